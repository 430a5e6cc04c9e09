package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.internal.DocumentBridge;
import io.github.datastore4j.api.spi.JacksonAccess;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a key holds: its value as JSON, its metadata (a JSON object beside the value, empty if the document has none),
 * its revision and the schema version of the value.
 *
 * <p>{@code rev} starts at 1 when a key is created and grows by one on every change; a deleted and re-created key
 * starts again at 1. The schema version is the version of the value's shape, moved forward by migrations.
 *
 * <p>A {@code Document} is immutable and safe to share between threads: {@link #value()} returns a fresh copy on
 * every call, so changing what it returns never changes the document or the store.
 *
 * <p>Engines build and read documents without copies through
 * {@link io.github.datastore4j.api.spi.EngineDocuments}; applications never need it.
 */
public final class Document {
    private static final JsonMapper MAPPER = JsonMapper.shared();

    private static final ObjectNode NO_METADATA = JsonNodeFactory.instance.objectNode();

    private final String key;
    private final JsonNode value;
    private final ObjectNode metadata;
    private final long rev;
    private final int schemaVersion;
    /** Maps the value for {@link #value(Class)}: the storage's mapper, or Jackson's defaults. */
    private final JsonMapper mapper;

    private Document(String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper) {
        this.key = key;
        this.value = value;
        this.metadata = metadata;
        this.rev = rev;
        this.schemaVersion = schemaVersion;
        this.mapper = mapper;
    }

    static {
        DocumentBridge.install(new DocumentBridge.Access() {
            @Override
            public Document create(
                    String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper) {
                return Document.create(key, value, metadata, rev, schemaVersion, mapper);
            }

            @Override
            public JsonNode value(Document document) {
                return document.value;
            }

            @Override
            public ObjectNode metadata(Document document) {
                return document.metadata;
            }
        });
    }

    /**
     * A document holding a copy of {@code value}, without metadata; {@link #value(Class)} maps it with Jackson's
     * defaults.
     *
     * @throws IllegalArgumentException if {@code rev < 1} or {@code schemaVersion < 0}
     */
    public static Document of(String key, JsonNode value, long rev, int schemaVersion) {
        return create(key, requireNonNull(value, "value").deepCopy(), NO_METADATA, rev, schemaVersion, MAPPER);
    }

    /** A document that owns {@code value} and {@code metadata}: the public API copies before it calls this. */
    private static Document create(
            String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper) {
        requireNonNull(key, "key");
        requireNonNull(value, "value");
        requireNonNull(metadata, "metadata");
        requireNonNull(mapper, "mapper");
        if (rev < 1) {
            throw new IllegalArgumentException("rev must be at least 1, was " + rev);
        }
        if (schemaVersion < 0) {
            throw new IllegalArgumentException("schemaVersion must not be negative, was " + schemaVersion);
        }
        return new Document(key, value, metadata, rev, schemaVersion, mapper);
    }

    public String key() {
        return key;
    }

    /** A copy of the value; change it freely. */
    public JsonNode value() {
        return value.deepCopy();
    }

    /**
     * The value mapped to {@code type} with Jackson: a record, POJO, {@code Map}, {@code List}, {@code String},
     * number or boolean. A document a storage returned maps with that storage's mapper
     * ({@link StorageOptions#jsonMapper()}), exactly as {@link Datastore#get(String, Class)} does; one made with
     * {@link #of} maps with Jackson's defaults.
     *
     * @throws DatastoreException with {@link ErrorCode#WRONG_TYPE} if the value does not map to {@code type}
     */
    public <T> T value(Class<T> type) {
        requireNonNull(type, "type");
        if (type.isInstance(value)) {
            return type.cast(value.deepCopy());
        }
        try {
            return mapper.treeToValue(value, type);
        } catch (JacksonException e) {
            throw new WrongTypeException("value of key '" + key + "' does not map to " + type.getName() + ": "
                    + e.getOriginalMessage() + JacksonAccess.hint(type));
        }
    }

    /**
     * The value mapped to a generic type, such as {@code new TypeReference<List<Result>>() {}}, with the same mapper as
     * {@link #value(Class)}: elements of a {@code List<Result>} are {@code Result}s, not maps.
     *
     * @throws DatastoreException with {@link ErrorCode#WRONG_TYPE} if the value does not map to {@code type}
     */
    public <T> T value(TypeReference<T> type) {
        requireNonNull(type, "type");
        JavaType javaType = mapper.constructType(type);
        try {
            return mapper.treeToValue(value, javaType);
        } catch (JacksonException e) {
            throw new WrongTypeException("value of key '" + key + "' does not map to " + javaType + ": "
                    + e.getOriginalMessage() + JacksonAccess.hint(javaType.getRawClass()));
        }
    }

    /** A copy of the metadata: a JSON object, empty if the document has none; change it freely. */
    public ObjectNode metadata() {
        return metadata.deepCopy();
    }

    /** The revision: 1 when created, +1 on every change. */
    public long rev() {
        return rev;
    }

    /** The schema version of the value. */
    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Document)) {
            return false;
        }
        Document that = (Document) other;
        return rev == that.rev
                && schemaVersion == that.schemaVersion
                && key.equals(that.key)
                && value.equals(that.value)
                && metadata.equals(that.metadata);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * key.hashCode() + Long.hashCode(rev)) + value.hashCode();
    }

    @Override
    public String toString() {
        return "Document{key='" + key + "', rev=" + rev + ", schemaVersion=" + schemaVersion + ", value=" + value
                + (metadata.isEmpty() ? "" : ", metadata=" + metadata) + '}';
    }
}
