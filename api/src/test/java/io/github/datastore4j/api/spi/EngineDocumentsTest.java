package io.github.datastore4j.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Document;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class EngineDocumentsTest {
    private static final JsonMapper MAPPER = JsonMapper.shared();
    private final ObjectNode value = JsonNodeFactory.instance.objectNode().put("hp", 10);
    private final ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("owner", "ann");

    @Test
    @DisplayName("an engine's document owns the trees it was given and hands the same trees back, uncopied")
    void noCopies() {
        Document document = EngineDocuments.of("ann", value, metadata, 3, 1, MAPPER);
        assertThat(EngineDocuments.value(document)).isSameAs(value);
        assertThat(EngineDocuments.metadata(document)).isSameAs(metadata);
        assertThat(document.key()).isEqualTo("ann");
        assertThat(document.rev()).isEqualTo(3);
        assertThat(document.schemaVersion()).isEqualTo(1);
    }

    @Test
    @DisplayName("what an application reads from an engine's document is still a copy")
    void usersStillGetCopies() {
        Document document = EngineDocuments.of("ann", value, metadata, 1, 0, MAPPER);
        assertThat(document.value()).isEqualTo(value).isNotSameAs(value);
        assertThat(document.metadata()).isEqualTo(metadata).isNotSameAs(metadata);
    }

    @Test
    @DisplayName("an engine's document is checked like Document.of's: key, trees, revision and schema version")
    void checked() {
        JsonNode number = JsonNodeFactory.instance.numberNode(1);
        ObjectNode none = JsonNodeFactory.instance.objectNode();
        assertThatThrownBy(() -> EngineDocuments.of("k", number, none, 0, 0, MAPPER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rev must be at least 1, was 0");
        assertThatThrownBy(() -> EngineDocuments.of("k", number, none, 1, -1, MAPPER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schemaVersion must not be negative, was -1");
        assertThatThrownBy(() -> EngineDocuments.of(null, number, none, 1, 0, MAPPER))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineDocuments.of("k", null, none, 1, 0, MAPPER))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineDocuments.of("k", number, null, 1, 0, MAPPER))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineDocuments.of("k", number, none, 1, 0, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> EngineDocuments.value(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName("value(Class) of an engine's document maps with the mapper the engine gave it")
    void mapsWithTheEnginesMapper() {
        JsonMapper upperCase = JsonMapper.builder()
                .addModule(new SimpleModule().addDeserializer(String.class, new ValueDeserializer<String>() {
                    @Override
                    public String deserialize(JsonParser parser, DeserializationContext context) {
                        return parser.getString().toUpperCase(Locale.ROOT);
                    }
                }))
                .build();
        JsonNode name = JsonNodeFactory.instance.stringNode("ann");
        assertThat(EngineDocuments.of("k", name, metadata, 1, 0, upperCase).value(String.class))
                .isEqualTo("ANN");
        assertThat(Document.of("k", name, 1, 0).value(String.class)).isEqualTo("ann");
    }
}
