package io.github.datastore4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class DocumentTest {
    @Test
    @DisplayName("Document's public methods are the user API and nothing else: no engine method shows up there")
    void publicMethodsAreTheUserApi() {
        assertThat(Arrays.stream(Document.class.getDeclaredMethods())
                        .filter(method -> Modifier.isPublic(method.getModifiers()))
                        .map(DocumentTest::signature)
                        .collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(
                        "static Document of(String, JsonNode, long, int)",
                        "String key()",
                        "JsonNode value()",
                        "Object value(Class)",
                        "Object value(TypeReference)",
                        "ObjectNode metadata()",
                        "long rev()",
                        "int schemaVersion()",
                        "boolean equals(Object)",
                        "int hashCode()",
                        "String toString()");
    }

    @Test
    @DisplayName("Document has no public or protected constructor or field: only Document.of makes one")
    void nothingElseIsOpen() {
        assertThat(Arrays.stream(Document.class.getDeclaredConstructors())
                        .filter(constructor -> !Modifier.isPrivate(constructor.getModifiers()))
                        .map(Constructor::toString))
                .isEmpty();
        assertThat(Arrays.stream(Document.class.getDeclaredFields())
                        .filter(field -> !Modifier.isPrivate(field.getModifiers()))
                        .map(Field::toString))
                .isEmpty();
    }

    @Test
    @DisplayName("a document from Document.of keeps its own copy, and value() and metadata() hand out copies")
    void userApiCopies() {
        ObjectNode value = JsonNodeFactory.instance.objectNode().put("hp", 10);
        Document document = Document.of("ann", value, 1, 0);
        value.put("hp", 0);
        ((ObjectNode) document.value()).put("hp", 1);
        document.metadata().put("owner", "bob");
        assertThat(document.value().get("hp").asInt()).isEqualTo(10);
        assertThat(document.metadata().isEmpty()).isTrue();
    }

    @Test
    @DisplayName("Document.of refuses a revision below 1 and a negative schema version")
    void ofChecksItsNumbers() {
        JsonNode value = JsonNodeFactory.instance.numberNode(1);
        assertThatThrownBy(() -> Document.of("k", value, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rev must be at least 1, was 0");
        assertThatThrownBy(() -> Document.of("k", value, 1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schemaVersion must not be negative, was -1");
    }

    record Result(String worker, int score) {}

    @Test
    @DisplayName("value(TypeReference) maps generic types element by element, and names the type it cannot map")
    void valueByTypeReference() {
        JsonNode results = JsonNodeFactory.instance
                .arrayNode()
                .add(JsonNodeFactory.instance.objectNode().put("worker", "w1").put("score", 3));
        Document document = Document.of("results", results, 1, 0);
        assertThat(document.value(new TypeReference<List<Result>>() {})).containsExactly(new Result("w1", 3));
        assertThat(document.value(List.class).get(0)).as("by Class: a map").isInstanceOf(Map.class);
        assertThatThrownBy(() -> document.value(new TypeReference<Map<String, Result>>() {}))
                .isInstanceOf(WrongTypeException.class)
                .hasMessageContaining("value of key 'results' does not map to")
                .hasMessageContaining("java.util.Map");
    }

    private static String signature(Method method) {
        return (Modifier.isStatic(method.getModifiers()) ? "static " : "")
                + method.getReturnType().getSimpleName() + " " + method.getName()
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"));
    }
}
