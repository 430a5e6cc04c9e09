package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.AsyncDatastore;
import io.github.datastore4j.api.ChangeListener;
import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.MigrationProgress;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Subscription;
import io.github.datastore4j.api.WaitTimeoutException;
import io.github.datastore4j.api.WrongTypeException;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One namespace of an {@link EngineStorage}: every key's {@link KeySlot}, a sorted index of the keys that exist, and
 * the keys changed since the last save. Implements the async API; {@link BlockingDatastore} is its blocking face.
 *
 * <p><b>Concurrency contract.</b> Each operation on a key runs inside that key's slot, so it is atomic and ordered
 * with every other operation on the key. Reads of a single key read the slot's volatile value without queueing.
 * Range queries walk the concurrent key index: each key is seen atomically, the whole set is not. A snapshot sees
 * every key at one instant: it excludes changes, for the time it copies references, through a {@link StampedLock}
 * that changes of different keys share.
 */
final class Namespace implements AsyncDatastore {
    private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);
    private final EngineStorage storage;
    private final String name;
    private final JsonCodec codec;
    private final ConcurrentHashMap<String, KeySlot> slots = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<String> keys = new ConcurrentSkipListSet<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Keys changed since the last save, for the INTERVAL and NONE durability modes. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Waiters not yet done, so that close can fail them. */
    private final Set<Waiter<?>> waiters = ConcurrentHashMap.newKeySet();
    /** Change listeners; called inside the key's slot. */
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    /** Orders save batches, so that a later read of a key is never committed before an earlier one. */
    private final Object saveLock = new Object();
    /** Session grants by key; changed only inside the key's slot. */
    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    /** Acquire attempts waiting for a key; run again when it is freed or its lease ends. */
    private final ConcurrentHashMap<String, Queue<Runnable>> leaseWaiters = new ConcurrentHashMap<>();

    private final AtomicLong leaseTokens = new AtomicLong();
    /** Acquires that may wait, failed with {@code CLOSED} when the storage closes. */
    private final Set<CompletableFuture<Session>> waitingAcquires = ConcurrentHashMap.newKeySet();
    /** Open sessions, for the auto-save. */
    private final Set<EngineSession> sessions = ConcurrentHashMap.newKeySet();
    /** Read-locked by every change as it takes effect, write-locked by a snapshot: see {@link #snapshotNow()}. */
    private final StampedLock changes = new StampedLock();

    private final BlockingDatastore blocking;
    /** The schema this namespace was opened under, or {@code null}: then writes keep the version they found. */
    private final Schema schema;
    /** The metadata of a new key, the schema's metadata template (or empty), shared by every such document. */
    private final ObjectNode newMetadata;

    private final byte[] newMetadataJson;

    Namespace(EngineStorage storage, String name, JsonCodec codec, Map<String, StoredValue> loaded, Schema schema) {
        this.storage = storage;
        this.name = name;
        this.codec = codec;
        this.schema = schema;
        this.blocking = new BlockingDatastore(this);
        this.newMetadata = schema == null
                ? JsonCodec.emptyObject()
                : schema.metadataTemplate().orElseGet(JsonCodec::emptyObject);
        this.newMetadataJson = codec.metadataBytes(name, "(metadata template)", newMetadata);
        loaded.forEach((key, stored) -> {
            StoredValue value = withMetadataDefaults(stored);
            KeySlot slot = new KeySlot(key, this::retire);
            slot.current = value;
            slot.committed = value;
            slots.put(key, slot);
            keys.add(key);
        });
        size.set(keys.size());
    }

    @Override
    public String namespace() {
        return name;
    }

    Schema schema() {
        return schema;
    }

    @Override
    public Datastore sync() {
        return blocking;
    }

    // ---------------------------------------------------------------- reads

    private StoredValue read(String key) {
        storage.ensureOpen();
        KeySlot slot = slots.get(Names.requireValidKey(key));
        return slot == null ? null : slot.current;
    }

    Optional<Document> document(String key) {
        return Optional.ofNullable(read(key)).map(StoredValue::document);
    }

    Optional<JsonNode> value(String key) {
        return document(key).map(Document::value);
    }

    <T> Optional<T> value(String key, JavaType type) {
        return document(key).map(doc -> codec.convert(name, key, EngineDocuments.value(doc), type));
    }

    /** The mapper's type for {@code type}. */
    JavaType javaType(Class<?> type) {
        return codec.javaType(requireNonNull(type, "type"));
    }

    JavaType javaType(TypeReference<?> type) {
        return codec.javaType(requireNonNull(type, "type"));
    }

    boolean contains(String key) {
        return read(key) != null;
    }

    int size() {
        storage.ensureOpen();
        return size.get();
    }

    @Override
    public CompletableFuture<Optional<JsonNode>> get(String key) {
        return CompletableFuture.completedFuture(value(key));
    }

    @Override
    public <T> CompletableFuture<Optional<T>> get(String key, Class<T> type) {
        return CompletableFuture.completedFuture(value(key, javaType(type)));
    }

    @Override
    public <T> CompletableFuture<Optional<T>> get(String key, TypeReference<T> type) {
        return CompletableFuture.completedFuture(value(key, javaType(type)));
    }

    @Override
    public CompletableFuture<Optional<Document>> getDocument(String key) {
        return CompletableFuture.completedFuture(document(key));
    }

    // ---------------------------------------------------------------- writes

    /** What an operation decided: whether the key changes, to what (null deletes it), and the caller's result. */
    private static final class Outcome<R> {
        final boolean changes;
        final StoredValue after;
        final R result;

        private Outcome(boolean changes, StoredValue after, R result) {
            this.changes = changes;
            this.after = after;
            this.result = result;
        }

        static <R> Outcome<R> change(StoredValue after, R result) {
            return new Outcome<>(true, after, result);
        }

        static <R> Outcome<R> unchanged(R result) {
            return new Outcome<>(false, null, result);
        }
    }

    /** Runs {@code decide} inside the key's slot and applies what it decided. */
    private <R> CompletableFuture<R> mutate(String key, Function<StoredValue, Outcome<R>> decide) {
        return mutate(key, NO_SESSION, decide);
    }

    /**
     * Like {@link #mutate(String, Function)}, as session {@code token} (or {@link #NO_SESSION}): refused with {@code
     * LOCKED} when a live lease of another holder covers the key, or when the session's own lease has ended.
     */
    private <R> CompletableFuture<R> mutate(String key, long token, Function<StoredValue, Outcome<R>> decide) {
        CompletableFuture<R> result = new CompletableFuture<>();
        runInSlot(key, slot -> {
            try {
                checkLease(key, token);
                StoredValue before = slot.current;
                Outcome<R> outcome = decide.apply(before);
                if (!outcome.changes) {
                    result.complete(outcome.result);
                    return;
                }
                CompletableFuture<Void> persisted = apply(slot, before, outcome.after);
                if (persisted == null) {
                    result.complete(outcome.result);
                } else {
                    persisted.whenComplete((ignored, failure) -> {
                        if (failure == null) {
                            result.complete(outcome.result);
                        } else {
                            result.completeExceptionally(failure); // the change was undone in memory already
                        }
                    });
                }
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private void runInSlot(String key, Consumer<KeySlot> op) {
        storage.ensureOpen();
        for (; ; ) {
            KeySlot slot = slots.computeIfAbsent(key, k -> new KeySlot(k, this::retire));
            if (slot.trySubmit(() -> op.accept(slot))) {
                return;
            }
            Thread.onSpinWait(); // the slot retired; it is being removed from the map
        }
    }

    private void retire(KeySlot slot) {
        slots.remove(slot.key, slot);
    }

    /** Inside the slot: makes {@code after} current, wakes waiters, and hands the change to persistence. */
    private CompletableFuture<Void> apply(KeySlot slot, StoredValue before, StoredValue after) {
        setCurrent(slot, before, after);
        return storage.persist(this, slot, before, after);
    }

    /**
     * Undoes a sync change whose commit failed or was refused: if the key still holds that change's value, it goes
     * back to what the backend holds (waking waiters). If the key moved on, the later change was built on the failed
     * one and is refused and undone in its turn.
     */
    Runnable undoFor(KeySlot slot, StoredValue after) {
        return () -> slot.trySubmit(() -> {
            StoredValue now = slot.current;
            if (now == after) {
                setCurrent(slot, now, slot.committed);
            }
        });
    }

    private void setCurrent(KeySlot slot, StoredValue before, StoredValue after) {
        long stamp = changes.readLock(); // shared among changes of different keys; excludes only a snapshot
        try {
            slot.current = after;
            if (before == null && after != null) {
                keys.add(slot.key);
                size.incrementAndGet();
            } else if (before != null && after == null) {
                keys.remove(slot.key);
                size.decrementAndGet();
            }
        } finally {
            changes.unlockRead(stamp);
        }
        slot.notifyWaiters();
        if (!listeners.isEmpty()) {
            tell(slot.key, after);
        }
    }

    private void tell(String key, StoredValue value) {
        Document document = value == null ? null : value.document();
        for (ChangeListener listener : listeners) {
            try {
                listener.changed(key, document);
            } catch (RuntimeException e) {
                LOG.warn("change listener {} failed on key '{}' of namespace '{}'", listener, key, name, e);
            }
        }
    }

    Subscription subscribe(ChangeListener listener) {
        requireNonNull(listener, "listener");
        storage.ensureOpen();
        listeners.add(listener);
        List<CompletableFuture<Void>> reported = new ArrayList<>();
        for (String key : keys) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            reported.add(done);
            runInSlot(key, slot -> {
                try {
                    if (listeners.contains(listener)) {
                        StoredValue value = slot.current;
                        listener.changed(slot.key, value == null ? null : value.document());
                    }
                    done.complete(null);
                } catch (Throwable t) {
                    LOG.warn("change listener {} failed on key '{}' of namespace '{}'", listener, slot.key, name, t);
                    done.complete(null);
                }
            });
        }
        CompletableFuture.allOf(reported.toArray(CompletableFuture[]::new)).join();
        return () -> listeners.remove(listener);
    }

    void markDirty(String key) {
        dirty.add(key);
    }

    /**
     * A new value for {@code key} following {@code before}: rev + 1; the schema's version, or without a schema the
     * version it had (0 when new).
     */
    private StoredValue next(String key, StoredValue before, JsonNode tree, byte[] json) {
        long rev = before == null ? 1 : before.document().rev() + 1;
        int schemaVersion = schema != null
                ? schema.version()
                : before == null ? 0 : before.document().schemaVersion();
        ObjectNode metadata = before == null ? newMetadata : EngineDocuments.metadata(before.document());
        byte[] metadataJson = before == null ? newMetadataJson : before.metadataJson();
        return new StoredValue(codec.document(key, tree, metadata, rev, schemaVersion), json, metadataJson);
    }

    /**
     * {@code value} with the schema's metadata defaults filled in where its metadata lacks them: in memory only, so
     * the stored record catches up with the key's next change.
     */
    private StoredValue withMetadataDefaults(StoredValue value) {
        if (value == null || newMetadata.isEmpty()) {
            return value;
        }
        Document document = value.document();
        ObjectNode filled = withMetadataDefaults(EngineDocuments.metadata(document));
        if (filled == EngineDocuments.metadata(document)) {
            return value;
        }
        return new StoredValue(
                codec.document(
                        document.key(),
                        EngineDocuments.value(document),
                        filled,
                        document.rev(),
                        document.schemaVersion()),
                value.json(),
                codec.metadataBytes(name, document.key(), filled));
    }

    /** {@code metadata}, or a copy of it with the schema's defaults for the fields it lacks. */
    private ObjectNode withMetadataDefaults(ObjectNode metadata) {
        ObjectNode filled = null;
        for (Map.Entry<String, JsonNode> field : newMetadata.properties()) {
            if (!metadata.has(field.getKey())) {
                if (filled == null) {
                    filled = metadata.deepCopy();
                }
                filled.set(field.getKey(), field.getValue().deepCopy());
            }
        }
        return filled == null ? metadata : filled;
    }

    @Override
    public CompletableFuture<Optional<ObjectNode>> getMetadata(String key) {
        StoredValue value = read(key);
        return CompletableFuture.completedFuture(
                value == null ? Optional.empty() : Optional.of(value.document().metadata()));
    }

    @Override
    public CompletableFuture<Document> updateMetadata(String key, UnaryOperator<ObjectNode> function) {
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

    @Override
    public CompletableFuture<Document> setMetadata(String key, Object metadata) {
        Names.requireValidKey(key);
        ObjectNode tree = codec.toMetadataTree(name, key, metadata); // private: nobody else holds it
        return replaceMetadata(key, current -> tree);
    }

    /**
     * Inside the key's slot: a new revision with the value as it was and the metadata {@code metadataOf} gives for
     * the current document, a tree the caller hands over and no one else holds.
     */
    private CompletableFuture<Document> replaceMetadata(String key, Function<Document, ObjectNode> metadataOf) {
        return mutate(key, before -> {
            if (before == null) {
                throw new KeyNotFoundException("key '" + key + "' in namespace '" + name
                        + "' does not exist: metadata lives beside a value, so set the value first");
            }
            Document document = before.document();
            // a field the caller dropped reads as its default, now as after a reopen
            ObjectNode metadata = withMetadataDefaults(metadataOf.apply(document));
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

    private StoredValue next(String key, StoredValue before, JsonNode tree) {
        return next(key, before, tree, codec.toBytes(name, key, tree));
    }

    @Override
    public CompletableFuture<Document> set(String key, Object value) {
        Names.requireValidKey(key);
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return mutate(key, before -> {
            StoredValue after = next(key, before, tree, json);
            return Outcome.change(after, after.document());
        });
    }

    @Override
    public CompletableFuture<Boolean> setOnce(String key, Object value) {
        Names.requireValidKey(key);
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return mutate(
                key,
                before ->
                        before != null ? Outcome.unchanged(false) : Outcome.change(next(key, null, tree, json), true));
    }

    @Override
    public CompletableFuture<Long> increment(String key, long delta) {
        Names.requireValidKey(key);
        return mutate(key, before -> {
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
            return Outcome.change(next(key, before, JsonNodeFactory.instance.numberNode(sum)), sum);
        });
    }

    @Override
    public CompletableFuture<Double> increment(String key, double delta) {
        Names.requireValidKey(key);
        if (!Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta for key '" + key + "' must be a finite number, was " + delta);
        }
        return mutate(key, before -> {
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
            return Outcome.change(next(key, before, JsonNodeFactory.instance.numberNode(sum)), sum);
        });
    }

    @Override
    public CompletableFuture<Integer> push(String key, Object item) {
        Names.requireValidKey(key);
        JsonNode itemTree = codec.toTree(name, key, item);
        return mutate(key, before -> {
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
            return Outcome.change(next(key, before, array), array.size());
        });
    }

    @Override
    public CompletableFuture<Document> update(String key, UnaryOperator<JsonNode> function) {
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
        return mutate(key, before -> {
            JsonNode current = before != null
                    ? (typed
                            ? EngineDocuments.value(before.document())
                            : before.document().value())
                    : schema == null ? JsonCodec.missing() : schema.template().orElseGet(JsonCodec::missing);
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
            StoredValue after = next(key, before, typed ? updated : codec.toTree(name, key, updated));
            return Outcome.change(after, after.document());
        });
    }

    @Override
    public <T> CompletableFuture<Document> update(String key, Class<T> type, UnaryOperator<T> function) {
        return update(key, javaType(type), function);
    }

    @Override
    public <T> CompletableFuture<Document> update(String key, TypeReference<T> type, UnaryOperator<T> function) {
        return update(key, javaType(type), function);
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

    @Override
    public CompletableFuture<Document> put(String key, Object value, long expectedRev) {
        Names.requireValidKey(key);
        if (expectedRev < 0) {
            throw new IllegalArgumentException("expectedRev must not be negative, was " + expectedRev);
        }
        JsonNode tree = codec.toTree(name, key, value);
        byte[] json = codec.toBytes(name, key, tree);
        return mutate(key, before -> {
            long actualRev = before == null ? 0 : before.document().rev();
            if (actualRev != expectedRev) {
                throw new ConflictException(name, key, expectedRev, actualRev);
            }
            StoredValue after = next(key, before, tree, json);
            return Outcome.change(after, after.document());
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        Names.requireValidKey(key);
        return mutate(key, before -> before == null ? Outcome.unchanged(false) : Outcome.change(null, true));
    }

    @Override
    public CompletableFuture<Integer> clear() {
        storage.ensureOpen();
        List<CompletableFuture<Boolean>> deletions = new ArrayList<>();
        for (String key : keys) {
            deletions.add(delete(key));
        }
        return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
                .thenApply(ignored ->
                        (int) deletions.stream().filter(CompletableFuture::join).count());
    }

    // ---------------------------------------------------------------- waits

    @Override
    public CompletableFuture<Optional<Document>> awaitChange(String key, Duration timeout) {
        // The state this call saw. The waiter registers through the key's queue, behind changes queued before this
        // call but not yet applied; such a change is after what the caller could have read, so it counts too.
        StoredValue seen = current(Names.requireValidKey(key));
        return await(key, timeout, "change", new Waiter<>() {
            @Override
            boolean accept(StoredValue value, boolean changed) {
                return (changed || value != seen)
                        && future.complete(Optional.ofNullable(value).map(StoredValue::document));
            }
        });
    }

    @Override
    public CompletableFuture<Document> awaitValue(String key, Object expected, Duration timeout) {
        Names.requireValidKey(key);
        JsonNode expectedTree = codec.toTree(name, key, expected);
        return awaitDocument(
                key,
                timeout,
                "equal " + expectedTree,
                doc -> JsonCodec.jsonEquals(EngineDocuments.value(doc), expectedTree));
    }

    @Override
    public CompletableFuture<Document> awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout) {
        requireNonNull(condition, "condition");
        return awaitDocument(key, timeout, "match the condition", doc -> condition.test(doc.value()));
    }

    @Override
    public CompletableFuture<Document> awaitSize(String key, IntPredicate sizeCondition, Duration timeout) {
        requireNonNull(sizeCondition, "sizeCondition");
        return awaitDocument(
                key,
                timeout,
                "be an array of the wanted size",
                doc -> EngineDocuments.value(doc).isArray()
                        && sizeCondition.test(EngineDocuments.value(doc).size()));
    }

    CompletableFuture<Document> awaitMinSize(String key, int minSize, Duration timeout) {
        if (minSize < 0) {
            throw new IllegalArgumentException("minSize must not be negative, was " + minSize);
        }
        return awaitDocument(
                key,
                timeout,
                "be an array of at least " + minSize + " items",
                doc -> EngineDocuments.value(doc).isArray()
                        && EngineDocuments.value(doc).size() >= minSize);
    }

    private CompletableFuture<Document> awaitDocument(
            String key, Duration timeout, String condition, Predicate<Document> test) {
        return await(key, timeout, condition, new Waiter<>() {
            @Override
            boolean accept(StoredValue value, boolean changed) {
                return value != null && test.test(value.document()) && future.complete(value.document());
            }
        });
    }

    private <T> CompletableFuture<T> await(String key, Duration timeout, String condition, Waiter<T> waiter) {
        Names.requireValidKey(key);
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        storage.ensureOpen();
        waiters.add(waiter);
        waiter.future.whenComplete((result, failure) -> waiters.remove(waiter));
        if (timeout != null) {
            storage.scheduleTimeout(
                    waiter.future, () -> new WaitTimeoutException(name, key, condition, timeout), timeout);
        }
        runInSlot(key, slot -> slot.register(waiter));
        return waiter.future;
    }

    /** Fails every waiter not yet done; called on close. */
    void failWaiters(DatastoreException cause) {
        for (Waiter<?> waiter : waiters) {
            waiter.future.completeExceptionally(cause);
        }
        for (CompletableFuture<Session> acquire : waitingAcquires) {
            acquire.completeExceptionally(cause);
        }
    }

    // ---------------------------------------------------------------- queries

    Page query(KeyQuery query) {
        requireNonNull(query, "query");
        storage.ensureOpen();
        if (query.limit() == 0) {
            return new Page(List.of(), List.of(), null);
        }
        NavigableSet<String> range = range(query);
        List<String> pageKeys = new ArrayList<>();
        List<Document> pageDocuments = new ArrayList<>();
        int toSkip = query.skip();
        String nextCursor = null;
        for (String key : range) {
            StoredValue value = current(key);
            if (value == null) {
                continue; // deleted since the index was read
            }
            if (toSkip > 0) {
                toSkip--;
                continue;
            }
            if (pageKeys.size() == query.limit()) {
                nextCursor = KeyCursor.encode(pageKeys.get(pageKeys.size() - 1), query.descending());
                break;
            }
            pageKeys.add(key);
            if (query.includeDocuments()) {
                pageDocuments.add(value.document());
            }
        }
        return new Page(pageKeys, pageDocuments, nextCursor);
    }

    private StoredValue current(String key) {
        KeySlot slot = slots.get(key);
        return slot == null ? null : slot.current;
    }

    /** The index range a query covers, already in the query's direction and past its cursor. */
    private NavigableSet<String> range(KeyQuery query) {
        boolean descending = query.descending();
        String low = descending ? query.endKey().orElse(null) : query.startKey().orElse(null);
        String high =
                descending ? query.startKey().orElse(null) : query.endKey().orElse(null);
        boolean lowInclusive = !descending || query.inclusiveEnd();
        boolean highInclusive = descending || query.inclusiveEnd();
        if (query.cursor().isPresent()) {
            String after = KeyCursor.decode(query.cursor().get(), descending);
            if (descending) {
                if (high == null || after.compareTo(high) <= 0) {
                    high = after;
                    highInclusive = false;
                }
            } else if (low == null || after.compareTo(low) >= 0) {
                low = after;
                lowInclusive = false;
            }
        }
        if (low != null && high != null) {
            int order = low.compareTo(high);
            if (order > 0 || (order == 0 && !(lowInclusive && highInclusive))) {
                return Collections.emptyNavigableSet();
            }
        }
        NavigableSet<String> range;
        if (low != null && high != null) {
            range = keys.subSet(low, lowInclusive, high, highInclusive);
        } else if (low != null) {
            range = keys.tailSet(low, lowInclusive);
        } else if (high != null) {
            range = keys.headSet(high, highInclusive);
        } else {
            range = keys;
        }
        return descending ? range.descendingSet() : range;
    }

    @Override
    public CompletableFuture<Page> queryKeys(KeyQuery query) {
        return CompletableFuture.completedFuture(query(query));
    }

    /**
     * Every document at one instant: changes hold {@link #changes} shared while they make a value current, the copy
     * holds it exclusively, so no change is half seen. Copying references only, it holds writers back for O(keys).
     */
    SortedMap<String, Document> snapshotNow() {
        storage.ensureOpen();
        TreeMap<String, Document> copy = new TreeMap<>();
        long stamp = changes.writeLock();
        try {
            for (String key : keys) {
                StoredValue value = current(key);
                if (value != null) {
                    copy.put(key, value.document());
                }
            }
        } finally {
            changes.unlockWrite(stamp);
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    @Override
    public CompletableFuture<SortedMap<String, Document>> snapshot() {
        return CompletableFuture.completedFuture(snapshotNow());
    }

    // ---------------------------------------------------------------- sessions

    static final long NO_SESSION = 0;

    /** A grant of a key: its fencing token and when it ends, on {@link System#nanoTime()}'s scale. */
    private record Lease(long token, long endsAt) {
        boolean live(long now) {
            return now - endsAt < 0;
        }
    }

    /** Longest lease, ~73 years: a deadline on {@link System#nanoTime()}'s scale must not wrap around. */
    private static final long MAX_LEASE_NANOS = Long.MAX_VALUE / 4;

    /** {@code lease} in nanoseconds, capped at {@link #MAX_LEASE_NANOS}; refused unless positive. */
    private static long leaseNanos(Duration lease) {
        requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        try {
            return Math.min(lease.toNanos(), MAX_LEASE_NANOS);
        } catch (ArithmeticException e) {
            return MAX_LEASE_NANOS;
        }
    }

    /** Inside the key's slot: the write of {@code token} may go ahead, or a {@link LockedException} says why not. */
    private void checkLease(String key, long token) {
        Lease lease = leases.get(key);
        if (lease == null && token == NO_SESSION) {
            return; // every plain write of a key nobody holds: no clock read
        }
        long now = System.nanoTime();
        if (token == NO_SESSION) {
            if (lease != null && lease.live(now)) {
                throw new LockedException(held(key, lease, now) + "; write through its session or wait for release");
            }
        } else if (lease == null || lease.token != token || !lease.live(now)) {
            throw new LockedException("session " + token + " of key '" + key + "' in namespace '" + name
                    + "' no longer holds it: "
                    + (lease == null || lease.token == token
                            ? "its lease ran out"
                            : "its lease ran out and session " + lease.token + " took the key over")
                    + "; the write was not applied");
        }
    }

    private String held(String key, Lease lease, long now) {
        return "key '" + key + "' in namespace '" + name + "' is held by session " + lease.token + " for another "
                + Math.max(1, (lease.endsAt - now) / 1_000_000) + " ms";
    }

    @Override
    public CompletableFuture<Session> acquire(String key, Duration lease, Duration wait) {
        Names.requireValidKey(key);
        long leaseNanos = leaseNanos(lease);
        requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("wait must not be negative, was " + wait);
        }
        storage.ensureOpen();
        CompletableFuture<Session> result = new CompletableFuture<>();
        boolean mayWait = !wait.isZero();
        Runnable attempt = new Runnable() {
            @Override
            public void run() {
                runInSlot(key, slot -> {
                    try {
                        tryGrant(slot, key, leaseNanos, result, mayWait, this);
                    } catch (RuntimeException e) { // e.g. the timer refused the retry: the storage is closing
                        result.completeExceptionally(e);
                    }
                });
            }
        };
        if (mayWait) {
            waitingAcquires.add(result);
            result.whenComplete((session, failure) -> waitingAcquires.remove(result));
            if (storage.isClosed()) { // closed meanwhile: failWaiters() may have run before the add
                result.completeExceptionally(new DatastoreException(
                        ErrorCode.CLOSED, "the storage was closed while acquiring key '" + key + "'"));
                return result;
            }
            storage.scheduleTimeout(
                    result,
                    () -> new LockedException("key '" + key + "' in namespace '" + name + "' is still held after "
                            + wait.toMillis() + " ms of waiting"),
                    wait);
        }
        attempt.run();
        return result;
    }

    /** Inside the key's slot: grants the key if free or its lease ended, else fails or waits for it to be freed. */
    private void tryGrant(
            KeySlot slot,
            String key,
            long leaseNanos,
            CompletableFuture<Session> result,
            boolean mayWait,
            Runnable retry) {
        if (result.isDone()) {
            return; // timed out meanwhile
        }
        long now = System.nanoTime();
        Lease current = leases.get(key);
        if (current == null || !current.live(now)) {
            if (current != null) {
                LOG.info(
                        "lease of session {} on key '{}' in namespace '{}' ran out; the key is taken over",
                        current.token,
                        key,
                        name);
            }
            Lease granted = new Lease(leaseTokens.incrementAndGet(), now + leaseNanos);
            leases.put(key, granted);
            JsonNode working = slot.current != null
                    ? slot.current.document().value()
                    : schema == null ? JsonCodec.missing() : schema.template().orElseGet(JsonCodec::missing);
            EngineSession session = new EngineSession(this, key, granted.token, working);
            if (result.complete(session)) {
                sessions.add(session);
                storage.autosaveSessions();
            } else {
                leases.remove(key, granted);
            }
            return;
        }
        if (!mayWait) {
            result.completeExceptionally(new LockedException(held(key, current, now)));
            return;
        }
        leaseWaiters.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(retry);
        storage.schedule(retry, current.endsAt - now); // if nobody frees it first
    }

    /** Writes the session's working copy ({@code null}: unchanged) as session {@code token}. */
    CompletableFuture<Document> sessionWrite(String key, long token, JsonNode working) {
        return mutate(key, token, before -> {
            if (working == null || working.isMissingNode()) {
                return Outcome.unchanged(before == null ? null : before.document());
            }
            StoredValue after = next(key, before, working);
            return Outcome.change(after, after.document());
        });
    }

    CompletableFuture<Void> renew(String key, long token, Duration lease) {
        long leaseNanos = leaseNanos(lease);
        CompletableFuture<Void> renewed = new CompletableFuture<>();
        runInSlot(key, slot -> {
            try {
                checkLease(key, token);
                leases.put(key, new Lease(token, System.nanoTime() + leaseNanos));
                renewed.complete(null);
            } catch (RuntimeException e) {
                renewed.completeExceptionally(e);
            }
        });
        return renewed;
    }

    /** Frees the session's key, if it still holds it, and lets waiting acquirers try again. */
    void free(EngineSession session) {
        sessions.remove(session);
        if (storage.isClosed()) {
            return;
        }
        runInSlot(session.key(), slot -> {
            Lease lease = leases.get(session.key());
            if (lease != null && lease.token == session.token()) {
                leases.remove(session.key());
            }
            Queue<Runnable> waiting = leaseWaiters.remove(session.key());
            if (waiting != null) {
                waiting.forEach(storage::runSoon); // outside this slot op: each retry queues into the slot again
            }
        });
    }

    JsonNode sessionTree(String key, Object value) {
        return codec.toTree(name, key, value);
    }

    byte[] sessionBytes(String key, JsonNode value) {
        return codec.toBytes(name, key, value);
    }

    void stopAutosave(EngineSession session) {
        sessions.remove(session);
    }

    void autosaveSessions() {
        for (EngineSession session : sessions) {
            session.autosave();
        }
    }

    // ---------------------------------------------------------------- persistence

    @Override
    public CompletableFuture<Void> save() {
        storage.ensureOpen();
        return saveDirty(true);
    }

    /**
     * Commits every key changed since the last save, as it is now; on failure the keys stay dirty. An urgent save
     * (asked for, or at close) is not held back by the rate limit; auto-saves are.
     */
    CompletableFuture<Void> saveDirty(boolean urgent) {
        List<Mutation> batch = new ArrayList<>();
        CompletableFuture<Void> committed;
        synchronized (saveLock) {
            for (String key : List.copyOf(dirty)) {
                dirty.remove(key); // before reading: a change after this read marks it dirty again
                StoredValue value = current(key);
                batch.add(value == null ? Mutation.delete(name, key) : Mutation.put(name, value.toRecord(name)));
            }
            committed = storage.commit(batch, urgent); // an empty batch still waits for earlier commits
        }
        return committed.whenComplete((ignored, failure) -> {
            if (failure != null) {
                batch.forEach(mutation -> dirty.add(mutation.key()));
            }
        });
    }

    @Override
    public CompletableFuture<Void> load() {
        storage.ensureOpen();
        Map<String, StoredValue> loaded = storage.readAll(name);
        List<String> migrated;
        try {
            migrated = schema == null
                    ? List.of()
                    : storage.migrateLoaded(name, loaded, schema, false, MigrationProgress.none());
        } catch (DatastoreException e) {
            return CompletableFuture.failedFuture(e); // nothing replaced: the namespace stays as it was
        }
        Set<String> affected = new HashSet<>(loaded.keySet());
        affected.addAll(keys);
        affected.addAll(dirty);
        List<CompletableFuture<Void>> replaced = new ArrayList<>();
        for (String key : affected) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            replaced.add(done);
            runInSlot(key, slot -> {
                try {
                    StoredValue before = slot.current;
                    StoredValue after = withMetadataDefaults(loaded.get(key));
                    if (before != after) {
                        setCurrent(slot, before, after);
                    }
                    slot.committed = after;
                    dirty.remove(key);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        }
        return CompletableFuture.allOf(replaced.toArray(CompletableFuture[]::new))
                .thenRun(() -> dirty.addAll(migrated)); // migrated in memory, not yet saved
    }
}
