package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.WrongTypeException;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.JacksonAccess;
import java.util.Comparator;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.SerializationFeature;
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

    /** Maps the application's objects to trees and back: the storage's configured mapper, or {@link #BYTES}. */
    private final JsonMapper mapper;

    /** Writes and reads stored bytes, under the {@link ValueLimits}; never the application's mapper. */
    private static final JsonMapper BYTES = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(ValueLimits.readConstraints())
                    .streamWriteConstraints(ValueLimits.writeConstraints())
                    .build())
            // an object Jackson sees no property of would be stored as {}: refuse it instead
            .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    /** Reads stored values losslessly: a decimal such as 12345678901234567890.123456789 must not become a double. */
    private static final ObjectReader STORED_VALUE_READER =
            BYTES.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final int maxValueBytes;

    /** {@code objects}: the application's mapper, or null for the engine's own. */
    JsonCodec(int maxValueBytes, JsonMapper objects) {
        this.mapper = objects == null ? BYTES : objects;
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
        if (isJackson2Tree(value.getClass())) {
            return fromJackson2(namespace, key, value);
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
                            + value.getClass().getName() + ") cannot be mapped to JSON: " + e.getOriginalMessage()
                            + JacksonAccess.hint(value.getClass()),
                    e);
        }
    }

    /**
     * A document that owns {@code value} and {@code metadata}, whose {@link Document#value(Class)} maps with the
     * application's mapper, as {@link #convert} does.
     */
    Document document(String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion) {
        return EngineDocuments.of(key, value, metadata, rev, schemaVersion, mapper);
    }

    /** The UTF-8 JSON of {@code tree}, refused if it breaks a {@link ValueLimits limit} or is larger than the size limit. */
    byte[] toBytes(String namespace, String key, JsonNode tree) {
        ValueLimits.check(namespace, key, "value", tree);
        byte[] bytes;
        try {
            bytes = BYTES.writeValueAsBytes(tree);
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
        return STORED_VALUE_READER.readTree(json);
    }

    <T> T convert(String namespace, String key, JsonNode tree, JavaType type) {
        if (tree == null || tree.isMissingNode()) {
            return null;
        }
        if (type.getRawClass().isInstance(tree)) {
            @SuppressWarnings("unchecked")
            T copy = (T) tree.deepCopy();
            return copy;
        }
        try {
            return mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new WrongTypeException("value of key '" + key + "' in namespace '" + namespace + "' does not map to "
                    + type + ": " + e.getOriginalMessage() + JacksonAccess.hint(type.getRawClass()));
        }
    }

    JavaType javaType(Class<?> type) {
        return mapper.constructType(type);
    }

    JavaType javaType(TypeReference<?> type) {
        return mapper.constructType(type);
    }

    /** Whether {@code type} is a Jackson 2 {@code JsonNode}, which Jackson 3 would map as a bean of its getters. */
    private static boolean isJackson2Tree(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals("com.fasterxml.jackson.databind.JsonNode")) {
                return true;
            }
        }
        return false;
    }

    /** A Jackson 2 tree, converted through its JSON text (what its {@code toString()} writes since Jackson 2.10). */
    private JsonNode fromJackson2(String namespace, String key, Object tree) {
        try {
            return STORED_VALUE_READER.readTree(tree.toString());
        } catch (JacksonException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_VALUE,
                    "value for key '" + key + "' in namespace '" + namespace + "' is a Jackson 2 JsonNode whose"
                            + " JSON could not be read (" + e.getOriginalMessage() + "); pass a Jackson 3 tree"
                            + " (tools.jackson.databind.JsonNode) or a plain object",
                    e);
        }
    }

    /**
     * The empty JSON object mapped to {@code type} — what a typed update of a missing key starts from when the type
     * maps from an object (a POJO, a record, a {@code Map}) — or {@code null} when it does not.
     */
    <T> T emptyObjectAs(JavaType type) {
        if (type.getRawClass().isInstance(EMPTY_OBJECT)) {
            @SuppressWarnings("unchecked")
            T copy = (T) EMPTY_OBJECT.deepCopy();
            return copy;
        }
        try {
            return mapper.treeToValue(EMPTY_OBJECT, type);
        } catch (JacksonException | IllegalArgumentException e) {
            return null; // a number, a string, a list: nothing to start from
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
