package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.WrongTypeException;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The key operations of a {@link Namespace}: each decides, inside the key's slot, what the key becomes from what it
 * holds ({@link Namespace#mutate}), so it is atomic and ordered with every other operation on the key. Values are
 * converted and checked before they queue, so a bad value fails the caller at once and never reaches the slot.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: it keeps no state of its own.
 */
final class KeyOperations {
    private final Namespace ns;
    private final String name;
    private final JsonCodec codec;

    KeyOperations(Namespace ns, String name, JsonCodec codec) {
        this.ns = ns;
        this.name = name;
        this.codec = codec;
    }

    CompletableFuture<Optional<ObjectNode>> getMetadata(String key) {
        StoredValue value = ns.read(key);
        return CompletableFuture.completedFuture(
                value == null ? Optional.empty() : Optional.of(value.document().metadata()));
    }

    CompletableFuture<Document> updateMetadata(String key, UnaryOperator<ObjectNode> function) {
        Names.requireValidKey(key);
        requireNonNull(function, "function");
        return replaceMetadata(key, current -> {
            ObjectNode updated = function.apply(current.metadata());
            if (updated == null) {
                throw new DatastoreException(
                        ErrorCode.INVALID_VALUE,
                        "metadata function for key '" + key + "' in namespace '" + name
                                + "' returned null; return an object (empty for no metadata)");
            }
            return codec.toMetadataTree(name, key, updated); // a copy: the function may keep what it returned
        });
    }

    CompletableFuture<Document> setMetadata(String key, Object metadata) {
        Names.requireValidKey(key);
        ObjectNode tree = codec.toMetadataTree(name, key, metadata); // private: nobody else holds it
        return replaceMetadata(key, current -> tree);
    }

    /**
     * Inside the key's slot: a new revision with the value as it was and the metadata {@code metadataOf} gives for
     * the current document, a tree the caller hands over and no one else holds.
     */
    private CompletableFuture<Document> replaceMetadata(String key, Function<Document, ObjectNode> metadataOf) {
        return ns.mutate(key, before -> {
            if (before == null) {
                throw new KeyNotFoundException("key '" + key + "' in namespace '" + name
                        + "' does not exist: metadata lives beside a value, so set the value first");
            }
            Document document = before.document();
            // a field the caller dropped reads as its default, now as after a reopen
            ObjectNode metadata = ns.withMetadataDefaults(metadataOf.apply(document));
            StoredValue after = new StoredValue(
                    codec.document(
                            key,
                            EngineDocuments.value(document),
                            metadata,
                            document.rev() + 1,
                            document.schemaVersion()),
                    before.json(),
                    codec.metadataBytes(name, key, metadata));
            return Outcome.change(after, after.document());
        });
    }

    CompletableFuture<Document> set(String key, Object value) {
        Names.requireValidKey(key);
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return ns.mutate(key, before -> {
            StoredValue after = ns.next(key, before, tree, json);
            return Outcome.change(after, after.document());
        });
    }

    /**
     * Every entry checked and encoded first (a bad one throws, nothing written), then each set as {@link #set} sets
     * it, all at once, so that the commit pipeline groups them.
     */
    CompletableFuture<Map<String, Document>> setAll(Map<String, ?> values) {
        requireNonNull(values, "values");
        int size = values.size();
        String[] keys = new String[size];
        JsonNode[] trees = new JsonNode[size];
        byte[][] jsons = new byte[size][];
        int i = 0;
        for (Map.Entry<String, ?> entry : values.entrySet()) {
            String key = Names.requireValidKey(entry.getKey());
            keys[i] = key;
            trees[i] = codec.toTree(name, key, entry.getValue());
            jsons[i] = codec.toBytes(name, key, trees[i]);
            i++;
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Document>[] sets = new CompletableFuture[size];
        for (int n = 0; n < size; n++) {
            String key = keys[n];
            JsonNode tree = trees[n];
            byte[] json = jsons[n];
            sets[n] = ns.mutate(key, before -> {
                StoredValue after = ns.next(key, before, tree, json);
                return Outcome.change(after, after.document());
            });
        }
        return CompletableFuture.allOf(sets).thenApply(done -> {
            Map<String, Document> documents = new LinkedHashMap<>(Math.max(16, size * 4 / 3 + 1));
            for (int n = 0; n < size; n++) {
                documents.put(keys[n], sets[n].join());
            }
            return documents;
        });
    }

    CompletableFuture<Boolean> setOnce(String key, Object value) {
        Names.requireValidKey(key);
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return ns.mutate(
                key,
                before -> before != null
                        ? Outcome.unchanged(false)
                        : Outcome.change(ns.next(key, null, tree, json), true));
    }

    CompletableFuture<Long> increment(String key, long delta) {
        Names.requireValidKey(key);
        return ns.mutate(key, before -> {
            long current = 0;
            if (before != null) {
                JsonNode value = EngineDocuments.value(before.document());
                if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                    throw new WrongTypeException("cannot increment key '" + key + "' in namespace '" + name
                            + "' by an integer: it holds " + JsonCodec.describe(value)
                            + (value.isNumber() ? "; use increment(key, double)" : ""));
                }
                current = value.longValue();
            }
            long sum;
            try {
                sum = Math.addExact(current, delta);
            } catch (ArithmeticException e) {
                throw new DatastoreException(
                        ErrorCode.INVALID_VALUE,
                        "incrementing key '" + key + "' in namespace '" + name + "' (" + current + ") by " + delta
                                + " overflows a long");
            }
            return Outcome.change(ns.next(key, before, JsonNodeFactory.instance.numberNode(sum)), sum);
        });
    }

    CompletableFuture<Double> increment(String key, double delta) {
        Names.requireValidKey(key);
        if (!Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta for key '" + key + "' must be a finite number, was " + delta);
        }
        return ns.mutate(key, before -> {
            double current = 0;
            if (before != null) {
                JsonNode value = EngineDocuments.value(before.document());
                if (!value.isNumber()) {
                    throw new WrongTypeException("cannot increment key '" + key + "' in namespace '" + name
                            + "': it holds " + JsonCodec.describe(value));
                }
                current = value.doubleValue();
            }
            double sum = current + delta;
            if (!Double.isFinite(sum)) {
                throw new DatastoreException(
                        ErrorCode.INVALID_VALUE,
                        "incrementing key '" + key + "' in namespace '" + name + "' (" + current + ") by " + delta
                                + " overflows a double");
            }
            return Outcome.change(ns.next(key, before, JsonNodeFactory.instance.numberNode(sum)), sum);
        });
    }

    CompletableFuture<Integer> push(String key, Object item) {
        Names.requireValidKey(key);
        JsonNode itemTree = codec.toTree(name, key, item);
        return ns.mutate(key, before -> {
            ArrayNode array;
            if (before == null) {
                array = JsonNodeFactory.instance.arrayNode();
            } else {
                JsonNode value = EngineDocuments.value(before.document());
                if (!value.isArray()) {
                    throw new WrongTypeException("cannot push onto key '" + key + "' in namespace '" + name
                            + "': it holds " + JsonCodec.describe(value) + ", not an array");
                }
                array = (ArrayNode) value.deepCopy(); // stored trees are never changed in place
            }
            array.add(itemTree.deepCopy());
            return Outcome.change(ns.next(key, before, array), array.size());
        });
    }

    CompletableFuture<Document> update(String key, UnaryOperator<JsonNode> function) {
        return updateTree(key, function, false);
    }

    /**
     * The update of {@code key} by {@code function}. {@code typed}: the function is the typed update's wrapper, which
     * only reads the tree it is given (mapping it to the type) and returns a tree it just built, so neither is copied;
     * otherwise the caller's function gets a copy and what it returns is copied, since it may keep either. The limits
     * are checked either way when the tree is encoded.
     */
    private CompletableFuture<Document> updateTree(String key, UnaryOperator<JsonNode> function, boolean typed) {
        Names.requireValidKey(key);
        requireNonNull(function, "function");
        return ns.mutate(key, before -> {
            JsonNode current = before != null
                    ? (typed
                            ? EngineDocuments.value(before.document())
                            : before.document().value())
                    : ns.newValue();
            JsonNode updated;
            try {
                updated = function.apply(current);
            } catch (ClassCastException e) {
                if (!current.isMissingNode()) {
                    throw e;
                }
                throw new KeyNotFoundException(
                        "key '" + key + "' in namespace '" + name + "' does not exist, and the update function"
                                + " failed on the MissingNode it was given (" + e.getMessage() + "); test"
                                + " value.isMissingNode(), or give the namespace a Schema template for new keys",
                        e);
            }
            if (updated == null || updated.isMissingNode()) {
                throw new DatastoreException(
                        ErrorCode.INVALID_VALUE,
                        "update function for key '" + key
                                + "' in namespace '" + name + "' returned " + (updated == null ? "null" : "MissingNode")
                                + "; return a JSON value (NullNode for JSON null), or call delete(key)");
            }
            // untyped: a checked copy, for the function may keep a reference and may have built anything
            StoredValue after = ns.next(key, before, typed ? updated : codec.toTree(name, key, updated));
            return Outcome.change(after, after.document());
        });
    }

    <T> CompletableFuture<Document> update(String key, Class<T> type, UnaryOperator<T> function) {
        return update(key, ns.javaType(type), function);
    }

    <T> CompletableFuture<Document> update(String key, TypeReference<T> type, UnaryOperator<T> function) {
        return update(key, ns.javaType(type), function);
    }

    private <T> CompletableFuture<Document> update(String key, JavaType type, UnaryOperator<T> function) {
        Names.requireValidKey(key);
        requireNonNull(function, "function");
        return updateTree(
                key,
                current -> {
                    boolean missing = current.isMissingNode();
                    T given = missing ? codec.emptyObjectAs(type) : codec.convert(name, key, current, type);
                    T updated;
                    try {
                        updated = function.apply(given);
                    } catch (NullPointerException e) {
                        if (!missing || given != null) {
                            throw e;
                        }
                        throw new KeyNotFoundException(
                                "key '" + key + "' in namespace '" + name
                                        + "' does not exist, so the update function was"
                                        + " given null (" + type.getRawClass().getSimpleName()
                                        + " does not map from an empty object) and"
                                        + " failed on it: " + e.getMessage() + "; handle null, or set the key first",
                                e);
                    }
                    if (updated == null) {
                        throw new DatastoreException(
                                ErrorCode.INVALID_VALUE,
                                "update function for key '" + key + "' in namespace '" + name
                                        + "' returned null; return a value, or call delete(key)");
                    }
                    return codec.toTree(name, key, updated);
                },
                true);
    }

    CompletableFuture<Document> put(String key, Object value, long expectedRev) {
        Names.requireValidKey(key);
        if (expectedRev < 0) {
            throw new IllegalArgumentException("expectedRev must not be negative, was " + expectedRev);
        }
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return ns.mutate(key, before -> {
            long actualRev = before == null ? 0 : before.document().rev();
            if (actualRev != expectedRev) {
                throw new ConflictException(name, key, expectedRev, actualRev);
            }
            StoredValue after = ns.next(key, before, tree, json);
            return Outcome.change(after, after.document());
        });
    }

    CompletableFuture<Boolean> delete(String key) {
        Names.requireValidKey(key);
        return ns.mutate(key, before -> before == null ? Outcome.unchanged(false) : Outcome.change(null, true));
    }

    CompletableFuture<Integer> clear() {
        ns.ensureOpen();
        List<CompletableFuture<Boolean>> deletions = new ArrayList<>();
        for (String key : ns.keys()) {
            deletions.add(delete(key));
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
                .thenApply(ignored ->
                        (int) deletions.stream().filter(CompletableFuture::join).count());
    }
}
