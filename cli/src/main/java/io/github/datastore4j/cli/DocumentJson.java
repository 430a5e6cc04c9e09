package io.github.datastore4j.cli;

import io.github.datastore4j.api.Document;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A document as the one-line JSON that get, put and watch print: the fields of an export line. */
final class DocumentJson {
    static final JsonMapper MAPPER = JsonMapper.shared();

    private DocumentJson() {}

    /** {@code {"key":…,"rev":…,"schemaVersion":…,"value":…,"metadata":…}}, metadata only when there is some. */
    static String of(Document document) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("key", document.key());
        line.put("rev", document.rev());
        line.put("schemaVersion", document.schemaVersion());
        line.set("value", document.value());
        if (!document.metadata().isEmpty()) {
            line.set("metadata", document.metadata());
        }
        return MAPPER.writeValueAsString(line);
    }

    /** {@code {"key":…,"deleted":true}}: what watch prints when the key stops existing. */
    static String deleted(String key) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("key", key);
        line.put("deleted", true);
        return MAPPER.writeValueAsString(line);
    }
}
