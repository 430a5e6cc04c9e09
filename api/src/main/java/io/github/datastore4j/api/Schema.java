package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape of a namespace's values over time: an ordered list of {@link Migration}s, step {@code N} taking a value
 * from version {@code N} to {@code N + 1}, and an optional template new keys start from. The schema's {@link
 * #version()} is the number of steps; every write made under it records that version.
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
 * <p>Immutable and thread-safe once built; the template is copied in and handed out as copies.
 */
public final class Schema {
    private static final JsonMapper MAPPER = JsonMapper.shared();

    private final List<Migration> steps;
    private final JsonNode template;
    private final ObjectNode metadataTemplate;
    private final Map<String, JsonNode> seed;

    private Schema(List<Migration> steps, JsonNode template, ObjectNode metadataTemplate, Map<String, JsonNode> seed) {
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

    /** A copy of the value new keys start from, if there is one. */
    public Optional<JsonNode> template() {
        return Optional.ofNullable(template).map(JsonNode::deepCopy);
    }

    /**
     * A copy of the metadata defaults, if there are any: a new document's metadata starts as this object, and a
     * field of it that a stored document's metadata lacks reads as its default.
     */
    public Optional<ObjectNode> metadataTemplate() {
        return Optional.ofNullable(metadataTemplate).map(ObjectNode::deepCopy);
    }

    /**
     * Documents written when the namespace is opened under this schema and holds no key, in the order given: seed
     * data for a new store. A namespace that holds anything is left alone. Copies.
     */
    public Map<String, JsonNode> seed() {
        Map<String, JsonNode> copy = new LinkedHashMap<>();
        seed.forEach((key, value) -> copy.put(key, value.deepCopy()));
        return copy;
    }

    @Override
    public String toString() {
        return "Schema[version " + version() + (template == null ? "" : ", template " + template)
                + (metadataTemplate == null ? "" : ", metadata template " + metadataTemplate)
                + (seed.isEmpty() ? "" : ", " + seed.size() + " seed documents") + "]";
    }

    public static final class Builder {
        private final List<Migration> steps = new ArrayList<>();
        private final Map<String, JsonNode> seed = new LinkedHashMap<>();
        private JsonNode template;
        private ObjectNode metadataTemplate;

        private Builder() {}

        /**
         * The value a key starts from when first written by {@code update}: any value Jackson can map, copied now.
         *
         * @throws IllegalArgumentException if the value does not map to JSON
         */
        public Builder template(Object value) {
            requireNonNull(value, "template");
            try {
                this.template = MAPPER.valueToTree(value);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("template does not map to JSON: " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * Sets the metadata defaults: a JSON object, from anything Jackson maps to one (a {@code Map}, a record, a
         * POJO, an {@code ObjectNode}), copied now. See {@link Schema#metadataTemplate()}.
         *
         * @throws IllegalArgumentException if {@code metadata} does not map to a JSON object
         */
        public Builder metadataTemplate(Object metadata) {
            requireNonNull(metadata, "metadataTemplate");
            JsonNode tree;
            try {
                tree = MAPPER.valueToTree(metadata);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("metadata template does not map to JSON: " + e.getMessage(), e);
            }
            if (!(tree instanceof ObjectNode)) {
                throw new IllegalArgumentException(
                        "metadata template must be a JSON object, was " + tree.getNodeType() + ": " + tree);
            }
            this.metadataTemplate = (ObjectNode) tree;
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
         * Adds seed documents, key → any value Jackson can map, copied now; see {@link Schema#seed()}. Keys are
         * checked when the namespace opens.
         *
         * @throws IllegalArgumentException if a value does not map to JSON
         */
        public Builder seed(Map<String, ?> documents) {
            requireNonNull(documents, "documents");
            documents.forEach((key, value) -> {
                requireNonNull(key, "seed key");
                requireNonNull(value, () -> "seed value of key '" + key + "'");
                try {
                    seed.put(key, MAPPER.valueToTree(value));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(
                            "seed value of key '" + key + "' does not map to JSON: " + e.getMessage(), e);
                }
            });
            return this;
        }

        public Schema build() {
            return new Schema(steps, template, metadataTemplate, seed);
        }
    }
}
