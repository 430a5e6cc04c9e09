package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Schema;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A namespace's {@link Schema} with its template, metadata defaults and seed mapped to JSON once, by the storage's
 * mapper, when the namespace opens — under the rules every written value follows ({@link JsonCodec#toTree}).
 *
 * <p><b>Concurrency contract.</b> Immutable; the trees it holds are never handed out, only copies of them.
 */
final class SchemaValues {
    /** A namespace opened without a schema. */
    static final SchemaValues NONE = new SchemaValues(null, null, JsonCodec.emptyObject(), Map.of());

    private final Schema schema;
    private final JsonNode template;
    private final ObjectNode metadata;
    private final Map<String, JsonNode> seed;

    private SchemaValues(Schema schema, JsonNode template, ObjectNode metadata, Map<String, JsonNode> seed) {
        this.schema = schema;
        this.template = template;
        this.metadata = metadata;
        this.seed = seed;
    }

    /**
     * Maps {@code schema}'s values with {@code codec}.
     *
     * @throws DatastoreException with {@code INVALID_VALUE}, naming the namespace and the value, if one does not map
     *     or breaks a limit, or if the metadata defaults are not an object
     */
    static SchemaValues map(JsonCodec codec, String namespace, Schema schema) {
        JsonNode template = schema.template()
                .map(value -> mapped(codec, namespace, "its template", "(schema template)", value))
                .orElse(null);
        ObjectNode metadata = schema.metadataTemplate()
                .map(value -> {
                    try {
                        return codec.toMetadataTree(namespace, "(schema metadata template)", value);
                    } catch (DatastoreException e) {
                        throw unusable(namespace, "its metadata template", e);
                    }
                })
                .orElseGet(JsonCodec::emptyObject);
        Map<String, JsonNode> seed = new LinkedHashMap<>();
        schema.seed()
                .forEach((key, value) ->
                        seed.put(key, mapped(codec, namespace, "its seed document '" + key + "'", key, value)));
        return new SchemaValues(schema, template, metadata, Collections.unmodifiableMap(seed));
    }

    private static JsonNode mapped(JsonCodec codec, String namespace, String what, String key, Object value) {
        try {
            JsonNode tree = codec.toTree(namespace, key, value);
            ValueLimits.check(namespace, key, "value", tree); // a mapped object is otherwise checked only as bytes
            return tree;
        } catch (DatastoreException e) {
            throw unusable(namespace, what, e);
        }
    }

    private static DatastoreException unusable(String namespace, String what, DatastoreException e) {
        return new DatastoreException(
                e.code(),
                "the schema of namespace '" + namespace + "' cannot be used, " + what + ": " + e.getMessage(),
                e);
    }

    /** The schema, or {@code null} for a namespace opened without one. */
    Schema schema() {
        return schema;
    }

    /** A copy of the template, or {@code MissingNode} when there is none: what {@code update} of a new key gets. */
    JsonNode newValue() {
        return template == null ? JsonCodec.missing() : template.deepCopy();
    }

    /** The metadata defaults, empty when there are none; the caller must not change it. */
    ObjectNode metadata() {
        return metadata;
    }

    /** The seed documents in the order given; the caller must not change them. */
    Map<String, JsonNode> seed() {
        return seed;
    }
}
