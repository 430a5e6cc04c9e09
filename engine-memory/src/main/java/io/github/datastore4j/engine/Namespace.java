package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.ChangeListener;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Subscription;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Names;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One namespace of an {@link EngineStorage}: every key's {@link KeySlot}, a sorted index of the keys that exist, and
 * the machinery every operation goes through — run a decision inside the key's slot, make its outcome current, wake
 * the key's waiters and listeners, hand the change to persistence. Implements the async API; {@link
 * BlockingDatastore} is its blocking face. Each concern reads in a class of its own: {@link KeyOperations}, {@link
 * Waits}, {@link Sessions}, {@link Queries}, {@link Persistence}.
 *
 * <p><b>Concurrency contract.</b> Each operation on a key runs inside that key's slot, so it is atomic and ordered
 * with every other operation on the key. Reads of a single key read the slot's volatile value without queueing.
 * Range queries walk the concurrent key index: each key is seen atomically, the whole set is not. A snapshot sees
 * every key at one instant: it excludes changes, for the time it copies references, through a {@link StampedLock}
 * that changes of different keys share.
 */
final class Namespace extends NamespaceApi {
    private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);
    static final long NO_SESSION = 0;
    private final EngineStorage storage;
    private final String name;
    private final JsonCodec codec;
    private final ConcurrentHashMap<String, KeySlot> slots = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<String> keys = new ConcurrentSkipListSet<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Read-locked by every change as it takes effect, write-locked by a snapshot: see {@link Queries#snapshotNow()}. */
    private final StampedLock changes = new StampedLock();

    private final BlockingDatastore blocking;
    /** The schema this namespace was opened under, or {@code null}: then writes keep the version they found. */
    private final Schema schema;

    private final SchemaValues schemaValues;
    /** The metadata of a new key, the schema's metadata template (or empty), shared by every such document. */
    private final ObjectNode newMetadata;

    private final byte[] newMetadataJson;
    private final KeyOperations operations;
    private final Waits waits;
    private final Sessions sessions;
    private final Queries queries;
    private final Persistence persistence;
    private final Listeners listeners;
    /** The shared mode's writes and feed, or null over a backend of one process. */
    private final SharedNamespace shared;

    /**
     * @param sharedLoad how a shared store's namespace was loaded, or null over a backend of one process
     */
    Namespace(
            EngineStorage storage,
            String name,
            JsonCodec codec,
            Map<String, StoredValue> loaded,
            SchemaValues schemaValues,
            SharedLoad sharedLoad) {
        this.storage = storage;
        this.name = name;
        this.codec = codec;
        this.schema = schemaValues.schema();
        this.schemaValues = schemaValues;
        this.blocking = new BlockingDatastore(this);
        this.newMetadata = schemaValues.metadata();
        this.newMetadataJson = codec.metadataBytes(name, "(metadata template)", newMetadata);
        this.operations = new KeyOperations(this, name, codec);
        this.waits = new Waits(this, storage, name, codec);
        this.sessions = new Sessions(this, storage, name, codec);
        this.queries = new Queries(this, storage);
        this.persistence = new Persistence(this, storage, name, schema);
        this.listeners = new Listeners(this, storage, name);
        this.shared = sharedLoad == null
                ? null
                : new SharedNamespace(this, storage.shared(), name, sharedLoad.position(), sharedLoad.included());
        if (shared != null) {
            sessions.shareWith(new SharedSessions(this, storage.shared(), storage, name));
        }
        loaded.forEach((key, stored) -> {
            StoredValue value = withMetadataDefaults(stored);
            KeySlot slot = newSlot(key);
            slot.current = value;
            slot.committed = value;
            storage.stats().bytesInMemory(bytes(value));
            if (sharedLoad != null) {
                slot.position = sharedLoad.positions().getOrDefault(key, sharedLoad.position());
            }
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

    /** Shared mode: starts following the feed, once the namespace is loaded. */
    void startShared() {
        shared.start();
    }

    /** Shared mode: stops following the feed; called when the storage closes. */
    void closeShared() {
        if (shared != null) {
            shared.close();
        }
    }

    /** Whether the storage is closed. */
    boolean isClosed() {
        return storage.isClosed();
    }

    /** Whether this namespace is on a store shared between processes. */
    boolean isShared() {
        return shared != null;
    }

    /** Shared mode: see {@link SharedNamespace#catchUp()}. */
    CompletableFuture<Void> catchUp() {
        return shared.catchUp();
    }

    /** Shared mode: the key's value once the cache holds everything committed before the call. */
    CompletableFuture<Optional<StoredValue>> latest(String key) {
        return shared.latest(key);
    }

    /** What {@code update} of a key that does not exist starts from: a copy of the schema's template, or MissingNode. */
    JsonNode newValue() {
        return schemaValues.newValue();
    }

    @Override
    public Datastore sync() {
        return blocking;
    }

    void ensureOpen() {
        storage.ensureOpen();
    }

    /** The index of the keys that exist, in key order; concurrent. */
    ConcurrentSkipListSet<String> keys() {
        return keys;
    }

    /** See {@link Queries#snapshotNow()}. */
    StampedLock changes() {
        return changes;
    }

    /** The key's current value, without the open check (for callers that made it). */
    StoredValue current(String key) {
        KeySlot slot = slots.get(key);
        return slot == null ? null : slot.current;
    }

    // ---------------------------------------------------------------- reads

    StoredValue read(String key) {
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

    // ---------------------------------------------------------------- writes

    // ---------------------------------------------------------------- the slot machinery

    /** Runs {@code decide} inside the key's slot and applies what it decided. */
    <R> CompletableFuture<R> mutate(String key, Function<StoredValue, Outcome<R>> decide) {
        return mutate(key, NO_SESSION, decide);
    }

    /**
     * Like {@link #mutate(String, Function)}, as session {@code token} (or {@link #NO_SESSION}): refused with {@code
     * LOCKED} when a live lease of another holder covers the key, or when the session's own lease has ended.
     */
    <R> CompletableFuture<R> mutate(String key, long token, Function<StoredValue, Outcome<R>> decide) {
        CompletableFuture<R> result = new CompletableFuture<>();
        runInSlot(key, slot -> {
            if (shared != null) {
                try {
                    sessions.checkNotHeldHere(key, token);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                    return;
                }
                shared.mutate(slot, token, decide, result);
                return;
            }
            try {
                sessions.checkLease(key, token);
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

    void runInSlot(String key, Consumer<KeySlot> op) {
        storage.ensureOpen();
        for (; ; ) {
            KeySlot slot = slots.computeIfAbsent(key, this::newSlot);
            if (slot.trySubmit(() -> op.accept(slot))) {
                return;
            }
            Thread.onSpinWait(); // the slot retired; it is being removed from the map
        }
    }

    private KeySlot newSlot(String key) {
        return shared == null ? new KeySlot(key, this::retire) : new KeySlot(key, this::retire, shared::retirable);
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

    void setCurrent(KeySlot slot, StoredValue before, StoredValue after) {
        long stamp = changes.readLock(); // shared among changes of different keys; excludes only a snapshot
        try {
            slot.current = after;
            storage.stats().bytesInMemory(bytes(after) - bytes(before));
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
            listeners.tell(slot.key, after);
        }
    }

    /** The JSON bytes {@code value} holds (0 for none), as {@link EngineStatistics} counts memory. */
    private static long bytes(StoredValue value) {
        return value == null ? 0 : value.json().length + value.metadataJson().length;
    }

    Subscription subscribe(ChangeListener listener) {
        return listeners.subscribe(listener);
    }

    void markDirty(String key) {
        persistence.markDirty(key);
    }

    /**
     * A new value for {@code key} following {@code before}: rev + 1; the schema's version, or without a schema the
     * version it had (0 when new).
     */
    StoredValue next(String key, StoredValue before, JsonNode tree, byte[] json) {
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
    StoredValue withMetadataDefaults(StoredValue value) {
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
    ObjectNode withMetadataDefaults(ObjectNode metadata) {
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

    StoredValue next(String key, StoredValue before, JsonNode tree) {
        return next(key, before, tree, codec.toBytes(name, key, tree));
    }

    // ---------------------------------------------------------------- the concerns, for NamespaceApi

    @Override
    KeyOperations operations() {
        return operations;
    }

    @Override
    Waits waits() {
        return waits;
    }

    @Override
    Sessions sessions() {
        return sessions;
    }

    @Override
    Queries queries() {
        return queries;
    }

    @Override
    Persistence persistence() {
        return persistence;
    }

    @Override
    SharedNamespace shared() {
        return shared;
    }

    @Override
    EngineStorage storage() {
        return storage;
    }
}
