package io.github.datastore4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.MissingNode;

class SchemaTest {

    @Test
    void versionIsTheNumberOfSteps() {
        assertThat(Schema.builder().build().version()).isZero();
        Schema two = Schema.builder().migrate(0, v -> v).migrate(1, v -> v).build();
        assertThat(two.version()).isEqualTo(2);
    }

    @Test
    void stepsAreAddedInOrder() {
        assertThatThrownBy(() -> Schema.builder().migrate(1, v -> v))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected the step from version 0, got one from version 1");
        assertThatThrownBy(() -> Schema.builder().migrate(0, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName("the template, metadata defaults and seed are kept as given, for the storage's mapper to map")
    void valuesAreKeptAsGivenForTheStorageToMap() {
        Object template = new Object();
        Map<String, Object> metadata = Map.of("server", "eu-1");
        Schema schema = Schema.builder()
                .template(template)
                .metadataTemplate(metadata)
                .seed(Map.of("a", template))
                .build();
        assertThat(schema.template()).containsSame(template);
        assertThat(schema.metadataTemplate()).containsSame(metadata);
        assertThat(schema.seed()).containsExactly(Map.entry("a", template));
        assertThatThrownBy(() -> schema.seed().put("b", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(Schema.builder().build().template()).isEmpty();
        assertThat(Schema.builder().build().metadataTemplate()).isEmpty();
    }

    @Test
    void seedKeepsTheOrderGiven() {
        LinkedHashMap<String, Object> documents = new LinkedHashMap<>();
        documents.put("b", 1);
        documents.put("a", "text");
        documents.put("c", 2);
        assertThat(Schema.builder().seed(documents).build().seed().keySet()).containsExactly("b", "a", "c");
    }

    @Test
    @DisplayName("what is certainly not JSON is refused when given, naming it")
    void whatIsCertainlyNotJsonIsRefusedWhenGiven() {
        assertThatThrownBy(() -> Schema.builder().template(MissingNode.getInstance()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("template is MissingNode");
        assertThatThrownBy(() -> Schema.builder().seed(Map.of("gone", MissingNode.getInstance())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seed value of key 'gone'");
        assertThatThrownBy(() -> Schema.builder().metadataTemplate(JsonNodeFactory.instance.arrayNode()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata template must be a JSON object, was ARRAY");
        assertThatThrownBy(() -> Schema.builder().template(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("template");
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("k", null);
        assertThatThrownBy(() -> Schema.builder().seed(withNull))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("seed value of key 'k'");
    }
}
