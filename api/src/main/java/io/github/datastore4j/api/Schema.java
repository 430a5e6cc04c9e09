package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * The shape of a namespace's values over time: an ordered list of {@link Migration}s, step {@code N} taking a value
 * from version {@code N} to {@code N + 1}, and optionally a template new keys start from, metadata defaults and seed
 * documents. The schema's {@link #version()} is the number of steps; every write made under it records that version.
 *
 * <pre>{@code
 * Schema profiles = Schema.builder()
 *         .template(Map.of("level", 1, "coins", 0))
 *         .migrate(0, v -> ((ObjectNode) v).put("coins", 0))                   // 0 → 1
 *         .migrate(1, v -> ((ObjectNode) v).set("gold", v.remove("coins")))    // 1 → 2
 *         .build();
 * Datastore store = storage.datastore("profiles", profiles);
 * }</pre>
 *
 * <p><b>Mapping.</b> The template, the metadata defaults and the seed values are mapped to JSON when a namespace opens
 * under the schema, by the opening storage's mapper ({@link StorageOptions#jsonMapper()}) and under the rules of
 * {@link Datastore#set}: one schema serves storages with different mappers, and a value that mapper cannot map is
 * refused then, by {@link Storage#datastore(String, Schema)}, with {@link ErrorCode#INVALID_VALUE} naming it. Each
 * value is kept as given until it is mapped (a {@link JsonNode} too, copied only then, after the checks on its depth
 * and size), so build a schema from values that no longer change.
 *
 * <p>Immutable and thread-safe once built, provided the objects it was given are not changed.
 */
public final class Schema {
    private final List<Migration> steps;
    private final Object template;
    private final Object metadataTemplate;
    private final Map<String, Object> seed;

    private Schema(List<Migration> steps, Object template, Object metadataTemplate, Map<String, Object> seed) {
        this.steps = List.copyOf(steps);
        this.template = template;
        this.metadataTemplate = metadataTemplate;
        this.seed = Collections.unmodifiableMap(new LinkedHashMap<>(seed));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The version every record is brought to, and every write records: the number of migration steps. */
    public int version() {
        return steps.size();
    }

    /** The step from {@code fromVersion} to {@code fromVersion + 1}. */
    public Migration step(int fromVersion) {
        return steps.get(fromVersion);
    }

    /**
     * The value new keys start from, as given to the builder, if there is one; a storage maps it when a namespace
     * opens under this schema.
     */
    public Optional<Object> template() {
        return Optional.ofNullable(template);
    }

    /**
     * The metadata defaults as given to the builder, if there are any: mapped to a JSON object when a namespace opens,
     * a new document's metadata starts as that object, and a field of it that a stored document's metadata lacks
     * reads as its default.
     */
    public Optional<Object> metadataTemplate() {
        return Optional.ofNullable(metadataTemplate);
    }

    /**
     * The documents written when a namespace is opened under this schema and holds no key, in the order given: seed
     * data for a new store, key → value as given to the builder. A namespace that holds anything is left alone.
     */
    public Map<String, Object> seed() {
        return seed;
    }

    @Override
    public String toString() {
        return "Schema[version " + version() + (template == null ? "" : ", template " + template)
                + (metadataTemplate == null ? "" : ", metadata template " + metadataTemplate)
                + (seed.isEmpty() ? "" : ", " + seed.size() + " seed documents") + "]";
    }

    /** Builds a {@link Schema}; not thread-safe. */
    public static final class Builder {
        private final List<Migration> steps = new ArrayList<>();
        private final Map<String, Object> seed = new LinkedHashMap<>();
        private Object template;
        private Object metadataTemplate;

        private Builder() {}

        /**
         * The value a key starts from when first written by {@code update} or a session: anything {@link
         * Datastore#set} accepts, mapped when a namespace opens (see the class comment).
         *
         * @throws IllegalArgumentException if {@code value} is a {@code MissingNode}, which is not a JSON value
         */
        public Builder template(Object value) {
            this.template = given("template", value);
            return this;
        }

        /**
         * Sets the metadata defaults: anything that maps to a JSON object (a {@code Map}, a record, a POJO, an
         * {@code ObjectNode}), mapped when a namespace opens (see the class comment and {@link
         * Schema#metadataTemplate()}).
         *
         * @throws IllegalArgumentException if {@code metadata} is a {@code JsonNode} other than an object
         */
        public Builder metadataTemplate(Object metadata) {
            Object given = given("metadataTemplate", metadata);
            if (given instanceof JsonNode && !((JsonNode) given).isObject()) {
                throw new IllegalArgumentException("metadata template must be a JSON object, was "
                        + ((JsonNode) given).getNodeType() + ": " + given);
            }
            this.metadataTemplate = given;
            return this;
        }

        /**
         * Adds the step from {@code fromVersion} to {@code fromVersion + 1}. Steps are added in order from 0, so that
         * the version numbers in the code read like the ones in the data.
         *
         * @throws IllegalArgumentException if {@code fromVersion} is not the next version
         */
        public Builder migrate(int fromVersion, Migration step) {
            requireNonNull(step, "step");
            if (fromVersion != steps.size()) {
                throw new IllegalArgumentException("migration steps are added in order: expected the step from version "
                        + steps.size() + ", got one from version " + fromVersion);
            }
            steps.add(step);
            return this;
        }

        /**
         * Adds seed documents, key → anything {@link Datastore#set} accepts, mapped when a namespace opens (see the
         * class comment and {@link Schema#seed()}). Keys are checked when the namespace opens.
         *
         * @throws IllegalArgumentException if a value is a {@code MissingNode}
         */
        public Builder seed(Map<String, ?> documents) {
            requireNonNull(documents, "documents");
            documents.forEach((key, value) -> {
                requireNonNull(key, "seed key");
                seed.put(key, given("seed value of key '" + key + "'", value));
            });
            return this;
        }

        private static Object given(String what, Object value) {
            requireNonNull(value, what);
            if (value instanceof JsonNode && ((JsonNode) value).isMissingNode()) {
                throw new IllegalArgumentException(what + " is MissingNode, which is not a JSON value");
            }
            return value;
        }

        public Schema build() {
            return new Schema(steps, template, metadataTemplate, seed);
        }
    }
}
