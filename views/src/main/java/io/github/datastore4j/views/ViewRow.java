package io.github.datastore4j.views;

import io.github.datastore4j.api.Document;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * One row of a {@link ViewResult}: an emitted key and value with the id of the document that emitted it, or for a
 * reduced query a group key (null when not grouped) and the reduced value. Immutable; accessors return copies.
 */
public final class ViewRow {
    private final JsonNode key;
    private final JsonNode value;
    private final String id;
    private final Document document;

    ViewRow(JsonNode key, JsonNode value, String id, Document document) {
        this.key = key;
        this.value = value;
        this.id = id;
        this.document = document;
    }

    /** The emitted key (or group key); JSON null for an ungrouped reduction. */
    public JsonNode key() {
        return key.deepCopy();
    }

    public JsonNode value() {
        return value.deepCopy();
    }

    /** The key of the document that emitted the row; empty for reduced rows. */
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    /** The document, when the query asked for it. */
    public Optional<Document> document() {
        return Optional.ofNullable(document);
    }

    @Override
    public String toString() {
        return "ViewRow{key=" + key + ", value=" + value + (id == null ? "" : ", id='" + id + "'") + '}';
    }
}
