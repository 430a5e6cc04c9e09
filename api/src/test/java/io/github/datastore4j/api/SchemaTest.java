package io.github.datastore4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

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
    void theTemplateIsCopiedInAndOut() {
        Map<String, Object> given = new java.util.HashMap<>(Map.of("coins", 10));
        Schema schema = Schema.builder().template(given).build();
        given.put("coins", 99);
        ObjectNode handedOut = (ObjectNode) schema.template().orElseThrow();
        handedOut.put("coins", 1);
        assertThat(schema.template().orElseThrow().get("coins").asInt()).isEqualTo(10);
        assertThat(Schema.builder().build().template()).isEmpty();
    }

    @Test
    void aTemplateThatIsNotJsonIsRefused() {
        Object unmappable = new Object() {
            public String getValue() {
                throw new IllegalStateException("no");
            }
        };
        assertThatThrownBy(() -> Schema.builder().template(unmappable))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("template does not map to JSON");
    }

    @Test
    void seedKeepsOrderAndIsCopied() {
        Map<String, Object> config = new java.util.HashMap<>(Map.of("max", 8));
        java.util.LinkedHashMap<String, Object> documents = new java.util.LinkedHashMap<>();
        documents.put("b", config);
        documents.put("a", "text");
        Schema schema = Schema.builder().seed(documents).build();
        config.put("max", 99);
        assertThat(schema.seed().keySet()).containsExactly("b", "a");
        ((ObjectNode) schema.seed().get("b")).put("max", 1);
        assertThat(schema.seed().get("b").get("max").asInt()).isEqualTo(8);
    }

    @Test
    void aSeedValueThatIsNotJsonIsRefusedNamingItsKey() {
        Object unmappable = new Object() {
            public String getValue() {
                throw new IllegalStateException("no");
            }
        };
        assertThatThrownBy(() -> Schema.builder().seed(Map.of("broken", unmappable)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seed value of key 'broken'");
    }
}
