package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.WrongTypeException;
import java.util.Comparator;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns caller objects into private JSON trees and trees into bytes, enforcing the value size limit and the
 * {@link ValueLimits}, and reads stored bytes back under those same limits. Stateless and thread-safe.
 */
final class JsonCodec {
    /** Orders numbers by value whatever their Java type, so that 5, 5L and 5.0 are equal. */
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private final JsonMapper mapper;
    /** Reads stored values losslessly: a decimal such as 12345678901234567890.123456789 must not become a double. */
    private final ObjectReader storedValueReader;

    private final int maxValueBytes;

    JsonCodec(int maxValueBytes) {
        this.mapper = JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(ValueLimits.readConstraints())
                        .streamWriteConstraints(ValueLimits.writeConstraints())
                        .build())
                .build();
        this.storedValueReader = mapper.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * A tree of {@code value} that no one else holds: a copy of a {@link JsonNode}, checked against the
     * {@link ValueLimits} first, or Jackson's mapping of anything else (checked when it is written as bytes).
     *
     * @throws DatastoreException with {@code INVALID_VALUE} if it cannot be mapped or breaks a limit
     */
    JsonNode toTree(String namespace, String key, Object value) {
        if (value == null) {
            throw new NullPointerException("value for key '" + key + "' in namespace '" + namespace
                    + "' is null; store NullNode.getInstance() for JSON null, or delete the key");
        }
        if (value instanceof JsonNode) {
            JsonNode node = (JsonNode) value;
            if (node.isMissingNode()) {
                throw new DatastoreException(
                        ErrorCode.INVALID_VALUE,
                        "value for key '" + key + "' in namespace '" + namespace
                                + "' is MissingNode, which is not a JSON value");
            }
            ValueLimits.check(namespace, key, "value", node); // before deepCopy, which recurses
            return node.deepCopy();
        }
        try {
            return mapper.valueToTree(value);
        } catch (StackOverflowError e) {
            // Jackson maps objects recursively; only a value nested far beyond the limit gets here
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "value for key '" + key + "' in namespace '" + namespace + "' (a "
                            + value.getClass().getName()
                            + ") is nested too deeply to map, far more than " + ValueLimits.MAX_NESTING_DEPTH
                            + " levels of arrays and objects (the limit of nesting depth); nothing was stored");
        } catch (JacksonException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "value for key '" + key + "' in namespace '" + namespace + "' (a "
                            + value.getClass().getName() + ") cannot be mapped to JSON: " + e.getOriginalMessage(),
                    e);
        }
    }

    /** The UTF-8 JSON of {@code tree}, refused if it breaks a {@link ValueLimits limit} or is larger than the size limit. */
    byte[] toBytes(String namespace, String key, JsonNode tree) {
        ValueLimits.check(namespace, key, "value", tree);
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(tree);
        } catch (JacksonException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "value for key '" + key + "' in namespace '" + namespace + "' cannot be written as JSON: "
                            + e.getOriginalMessage(),
                    e);
        }
        if (bytes.length > maxValueBytes) {
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "value for key '" + key + "' in namespace '" + namespace + "' is " + bytes.length
                            + " bytes of JSON, more than the limit of " + maxValueBytes
                            + " (setting maxValueBytes)");
        }
        return bytes;
    }

    /**
     * A private object tree of {@code metadata}, which must map to a JSON object.
     *
     * @throws DatastoreException with {@code INVALID_VALUE} if it does not
     */
    ObjectNode toMetadataTree(String namespace, String key, Object metadata) {
        if (metadata == null) {
            throw new NullPointerException(
                    "metadata for key '" + key + "' in namespace '" + namespace + "' is null; use an empty map");
        }
        JsonNode tree = toTree(namespace, key, metadata); // copies a JsonNode, maps anything else
        ValueLimits.check(namespace, key, "metadata", tree);
        if (!(tree instanceof ObjectNode)) {
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "metadata for key '" + key + "' in namespace '" + namespace + "' must be a JSON object, was "
                            + describe(tree));
        }
        return (ObjectNode) tree;
    }

    /** The UTF-8 JSON of {@code metadata}, or no bytes when it is empty; refused if larger than the limit. */
    byte[] metadataBytes(String namespace, String key, ObjectNode metadata) {
        return metadata.isEmpty() ? StoredValue.NO_METADATA : toBytes(namespace, key, metadata);
    }

    /** Parses stored metadata bytes, no bytes being no metadata; failures mean corruption, as for {@link #parse}. */
    ObjectNode parseMetadata(byte[] json) {
        if (json.length == 0) {
            return EMPTY_OBJECT;
        }
        JsonNode tree = parse(json);
        if (!(tree instanceof ObjectNode)) {
            throw new IllegalArgumentException("its metadata is not a JSON object but " + describe(tree));
        }
        return (ObjectNode) tree;
    }

    /** An empty object shared by every document without metadata; no one may change it. */
    static ObjectNode emptyObject() {
        return EMPTY_OBJECT;
    }

    private static final ObjectNode EMPTY_OBJECT = JsonNodeFactory.instance.objectNode();

    /** Parses stored bytes; the caller maps failures to a corruption error naming the record. */
    JsonNode parse(byte[] json) {
        return storedValueReader.readTree(json);
    }

    <T> T convert(String namespace, String key, JsonNode tree, Class<T> type) {
        if (tree == null || tree.isMissingNode()) {
            return null;
        }
        if (type.isInstance(tree)) {
            return type.cast(tree.deepCopy());
        }
        try {
            return mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new WrongTypeException("value of key '" + key + "' in namespace '" + namespace + "' does not map to "
                    + type.getName() + ": " + e.getOriginalMessage());
        }
    }

    /** JSON equality where numbers compare by value. */
    static boolean jsonEquals(JsonNode a, JsonNode b) {
        return a.equals(NUMBERS_BY_VALUE, b);
    }

    static JsonNode missing() {
        return MissingNode.getInstance();
    }

    static String describe(JsonNode node) {
        if (node == null) {
            return "absent";
        }
        String text = node.toString();
        String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        return "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " (" + shown + ")";
    }
}
