package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Migration;
import io.github.datastore4j.api.MigrationException;
import io.github.datastore4j.api.MigrationProgress;
import io.github.datastore4j.api.QuarantinedRecord;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.StorageStatistics;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Names;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine's {@link Storage}: namespaces over one {@link Backend}, a commit pipeline, and a timer for wait
 * timeouts and interval saves.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. Namespaces are created once per name and loaded from the backend on
 * first use. The timer thread and the commit thread start on first need, so a storage that needs neither (memory,
 * no timed waits) costs no thread. {@link #close()} may race with operations: those that started before it finish
 * or fail with {@link ErrorCode#CLOSED}; those after it fail with {@code CLOSED}.
 */
final class EngineStorage implements Storage {
    private static final Logger LOG = LoggerFactory.getLogger(EngineStorage.class);

    private final String uri;
    private final Backend backend;
    private final EngineStatistics stats;
    private final Durability durability;
    private final Duration autosaveInterval;
    private final JsonCodec codec;
    /** Migrated records per commit: progress is reported, and a crash keeps, one batch at a time. */
    private static final int MIGRATION_BATCH = 1_000;

    private final CommitPipeline pipeline;
    /** The namespaces' shared machinery over a {@link SharedBackend}, or null for a store of one process. */
    private final SharedStore shared;

    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final boolean quarantineCorrupt;
    private final List<QuarantinedRecord> quarantined = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean sessionAutosave;
    private ScheduledThreadPoolExecutor timer;
    /** Runs the final save of {@code INTERVAL} mode if the JVM exits without {@link #close()}. */
    private final Thread shutdownHook;

    EngineStorage(String uri, String scheme, Backend backend, StorageOptions options) {
        if (backend.capabilities().shared()) {
            if (!(backend instanceof SharedBackend)) {
                throw new DatastoreException(
                        ErrorCode.NO_PROVIDER,
                        "backend " + backend.getClass().getName() + " of " + uri + " says it is shared between"
                                + " processes but does not implement " + SharedBackend.class.getName()
                                + " (conditional writes, the change feed): writing to it blindly would overwrite"
                                + " other processes' changes");
            }
            if (options.durability().isPresent() && options.durability().get() != Durability.SYNC) {
                throw new DatastoreException(
                        ErrorCode.INVALID_OPTION,
                        "durability " + options.durability().get().name().toLowerCase(java.util.Locale.ROOT)
                                + " was asked of " + uri + ", a store shared between processes: every write there is"
                                + " committed before it returns (sync), so that other processes see it and it sees"
                                + " theirs; leave durability unset or use sync");
            }
        }
        this.uri = uri;
        this.backend = backend;
        this.stats = new EngineStatistics(scheme);
        this.durability = backend.capabilities().shared()
                ? Durability.SYNC
                : options.durability().orElse(backend.capabilities().persistent() ? Durability.SYNC : Durability.NONE);
        this.shared = backend.capabilities().shared() ? new SharedStore(this, (SharedBackend) backend, uri) : null;
        this.autosaveInterval = options.autosaveInterval();
        this.quarantineCorrupt = options.quarantineCorrupt();
        this.codec = new JsonCodec(options.maxValueBytes(), options.jsonMapper().orElse(null));
        this.pipeline =
                new CommitPipeline(backend, uri, CommitPipeline.Policy.of(options), CommitPipeline.Clock.SYSTEM, stats);
        if (durability == Durability.INTERVAL) {
            long millis = autosaveInterval.toMillis();
            timer().scheduleWithFixedDelay(this::autosave, millis, millis, TimeUnit.MILLISECONDS);
            shutdownHook = new Thread(this::closeAtShutdown, "datastore4j-shutdown " + uri);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
        LOG.debug(
                "opened {}: durability {}{}, backend {} ({})",
                uri,
                durability.name().toLowerCase(java.util.Locale.ROOT),
                durability == Durability.INTERVAL ? " every " + autosaveInterval : "",
                backend.getClass().getName(),
                backend.capabilities());
    }

    private void closeAtShutdown() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.error("final save of {} at JVM shutdown failed", uri, e);
        }
    }

    @Override
    public Datastore datastore(String namespace) {
        Names.requireValidNamespace(namespace);
        ensureOpen();
        Namespace opened = namespaces.computeIfAbsent(
                namespace,
                name -> shared != null
                        ? openShared(name, SchemaValues.NONE, MigrationProgress.none())
                        : new Namespace(this, name, codec, readAll(name), SchemaValues.NONE, null));
        ensureOpen(); // it may have closed while the namespace loaded: what loaded is no longer served
        return opened.sync();
    }

    @Override
    public Datastore datastore(String namespace, Schema schema) {
        return openMigrated(namespace, schema, false, MigrationProgress.none());
    }

    @Override
    public Datastore migrate(String namespace, Schema schema, MigrationProgress progress) {
        return openMigrated(namespace, schema, true, requireNonNull(progress, "progress"));
    }

    private Datastore openMigrated(String namespace, Schema schema, boolean commitNow, MigrationProgress progress) {
        Names.requireValidNamespace(namespace);
        requireNonNull(schema, "schema");
        ensureOpen();
        Namespace opened = namespaces.computeIfAbsent(namespace, name -> {
            SchemaValues values = SchemaValues.map(codec, name, schema);
            if (shared != null) {
                return openShared(name, values, progress);
            }
            Map<String, StoredValue> loaded = readAll(name);
            List<String> unsaved;
            if (loaded.isEmpty()) {
                progress.batchCommitted(0, 0, 0);
                unsaved = seed(name, loaded, values);
            } else {
                unsaved = migrateLoaded(name, loaded, schema, commitNow, progress);
            }
            Namespace created = new Namespace(this, name, codec, loaded, values, null);
            unsaved.forEach(created::markDirty); // empty once committed
            return created;
        });
        if (opened.schema() != schema) {
            throw new IllegalStateException("namespace '" + namespace + "' of " + uri + " is already open "
                    + (opened.schema() == null ? "without a schema" : "with another schema, " + opened.schema())
                    + "; open a namespace with one Schema instance before any other use of it");
        }
        ensureOpen();
        return opened.sync();
    }

    /** Loads, migrates and seeds a namespace of a shared store, and starts following its feed. */
    private Namespace openShared(String name, SchemaValues values, MigrationProgress progress) {
        SharedLoad load = shared.load(name, values, progress);
        Namespace created = new Namespace(this, name, codec, load.values(), values, load);
        created.startShared();
        return created;
    }

    /** The shared machinery, or null for a store of one process. */
    SharedStore shared() {
        return shared;
    }

    JsonCodec codec() {
        return codec;
    }

    /**
     * Brings every record of {@code loaded} older than {@code schema} to its version, in place: each step once, in
     * order, the revision up by one. Nothing is written unless all migrate. Then, when {@code commitNow} or in
     * {@code sync} mode, commits the migrated records in batches and returns no keys; otherwise returns the keys
     * for the caller to mark dirty.
     *
     * @throws MigrationException if a step fails or a record is newer than the schema
     */
    List<String> migrateLoaded(
            String namespace,
            Map<String, StoredValue> loaded,
            Schema schema,
            boolean commitNow,
            MigrationProgress progress) {
        int target = schema.version();
        List<StoredValue> migrated = new ArrayList<>();
        for (Map.Entry<String, StoredValue> entry : loaded.entrySet()) {
            Document stored = entry.getValue().document();
            int version = stored.schemaVersion();
            if (version > target) {
                throw MigrationException.tooNew(namespace, stored.key(), version, target);
            }
            if (version < target) {
                JsonNode tree = stored.value();
                for (int step = version; step < target; step++) {
                    tree = migrateStep(namespace, stored.key(), version, step, schema.step(step), tree);
                }
                StoredValue after = new StoredValue(
                        codec.document(stored.key(), tree, EngineDocuments.metadata(stored), stored.rev() + 1, target),
                        codec.toBytes(namespace, stored.key(), tree),
                        entry.getValue().metadataJson());
                entry.setValue(after);
                migrated.add(after);
            }
        }
        if (migrated.isEmpty()) {
            progress.batchCommitted(0, 0, loaded.size());
            return List.of();
        }
        LOG.info(
                "migrated {} of {} records of namespace '{}' in {} to schema version {}",
                migrated.size(),
                loaded.size(),
                namespace,
                uri,
                target);
        return save(
                namespace,
                migrated,
                commitNow,
                "migrated",
                (committed, total) -> progress.batchCommitted(committed, total, loaded.size()));
    }

    /** Writes the schema's seed documents into the empty {@code loaded}; returns what is left to save. */
    private List<String> seed(String namespace, Map<String, StoredValue> loaded, SchemaValues values) {
        List<StoredValue> seeded = new ArrayList<>();
        values.seed().forEach((key, tree) -> {
            Names.requireValidKey(key);
            ObjectNode metadata = values.metadata();
            StoredValue value = new StoredValue(
                    codec.document(key, tree, metadata, 1, values.schema().version()),
                    codec.toBytes(namespace, key, tree),
                    codec.metadataBytes(namespace, key, metadata));
            loaded.put(key, value);
            seeded.add(value);
        });
        if (seeded.isEmpty()) {
            return List.of();
        }
        LOG.info("seeding empty namespace '{}' of {} with {} documents", namespace, uri, seeded.size());
        return save(namespace, seeded, false, "seed", (committed, total) -> {});
    }

    /**
     * Commits {@code values} in batches when {@code commitNow} or in {@code sync} mode, reporting each batch, and
     * returns no keys; otherwise returns their keys, for the caller to mark dirty.
     */
    private List<String> save(
            String namespace,
            List<StoredValue> values,
            boolean commitNow,
            String what,
            BiConsumer<Integer, Integer> committed) {
        if (!commitNow && durability != Durability.SYNC) {
            return values.stream().map(value -> value.document().key()).toList();
        }
        for (int from = 0; from < values.size(); from += MIGRATION_BATCH) {
            List<Mutation> batch = new ArrayList<>();
            for (StoredValue value : values.subList(from, Math.min(values.size(), from + MIGRATION_BATCH))) {
                batch.add(Mutation.put(namespace, value.toRecord(namespace)));
            }
            join(commit(batch), "commit " + what + " records of namespace '" + namespace + "'");
            committed.accept(from + batch.size(), values.size());
        }
        return List.of();
    }

    static JsonNode migrateStep(
            String namespace, String key, int recordVersion, int step, Migration migration, JsonNode tree) {
        JsonNode result;
        try {
            result = migration.migrate(tree);
        } catch (RuntimeException e) {
            throw MigrationException.stepFailed(namespace, key, recordVersion, step, e);
        }
        if (result == null || result.isMissingNode()) {
            throw MigrationException.stepFailed(
                    namespace,
                    key,
                    recordVersion,
                    step,
                    new IllegalStateException("the step returned " + (result == null ? "null" : "MissingNode")
                            + "; return a JSON value (NullNode for JSON null)"));
        }
        return result;
    }

    @Override
    public Set<String> namespaces() {
        ensureOpen();
        Set<String> names = new TreeSet<>(join(backend.namespaces(), "list namespaces"));
        names.addAll(namespaces.keySet());
        return names;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public Durability durability() {
        return durability;
    }

    @Override
    public void save() {
        ensureOpen();
        join(saveAll(true), "save");
    }

    @Override
    public void awaitIdle() {
        ensureOpen();
        join(pipeline.awaitIdle(), "wait for pending commits");
    }

    private CompletableFuture<Void> saveAll(boolean urgent) {
        List<CompletableFuture<Void>> saves = new ArrayList<>();
        for (Namespace namespace : namespaces.values()) {
            saves.add(namespace.saveDirty(urgent));
        }
        return CompletableFuture.allOf(saves.toArray(CompletableFuture[]::new));
    }

    private void autosave() {
        try {
            saveAll(false).join();
        } catch (RuntimeException e) {
            LOG.warn("auto-save of {} failed; the changes stay in memory and are retried at the next save", uri, e);
        }
    }

    /**
     * Hands a key's change to persistence: with {@code SYNC}, the future of its commit (on failure the change is
     * undone in memory before the future fails); otherwise the key is marked dirty and null is returned.
     */
    CompletableFuture<Void> persist(Namespace namespace, KeySlot slot, StoredValue before, StoredValue after) {
        if (durability != Durability.SYNC) {
            namespace.markDirty(slot.key);
            return null;
        }
        Change change = new Change(namespace.namespace(), slot, before, after, namespace.undoFor(slot, after));
        try {
            return pipeline.submit(change);
        } catch (IllegalStateException e) {
            slot.uncommitted.decrementAndGet();
            change.undo().run();
            return CompletableFuture.failedFuture(closedError());
        }
    }

    CompletableFuture<Void> commit(List<Mutation> batch) {
        return commit(batch, false);
    }

    CompletableFuture<Void> commit(List<Mutation> batch, boolean urgent) {
        try {
            return pipeline.submit(batch, urgent);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(closedError());
        }
    }

    /**
     * Every usable record of {@code namespace}, verified and parsed. A damaged one fails the load with
     * {@link CorruptDataException}, or with {@code onCorrupt=quarantine} is moved aside, reported and left out.
     */
    Map<String, StoredValue> readAll(String namespace) {
        long started = System.nanoTime();
        List<Record> records = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        join(backend.scan(namespace, records::add, damaged::add), "read namespace '" + namespace + "'");
        return verifyAll(namespace, records, damaged, started);
    }

    /**
     * {@code records} verified and parsed; a damaged one (or one of {@code damaged}) fails the load, or is moved
     * aside as {@link #readAll} says.
     */
    Map<String, StoredValue> verifyAll(String namespace, List<Record> records, List<Damaged> damaged, long started) {
        Map<String, StoredValue> values = new HashMap<>();
        for (Record record : records) {
            try {
                values.put(record.key(), verify(namespace, record));
            } catch (CorruptDataException e) {
                damaged.add(new Damaged(namespace, record.key(), null, e.getMessage(), record.rev()));
            }
        }
        for (Damaged entry : damaged) {
            if (!quarantineCorrupt) {
                String what = entry.location() == null
                        ? entry.problem()
                        : entry.describe() + " of " + uri + ": " + entry.problem();
                throw new CorruptDataException(
                        what + " (open with ?onCorrupt=quarantine to move it aside and load the rest)");
            }
            String movedTo =
                    join(pipeline.runExclusively(() -> backend.quarantine(entry)), "quarantine " + entry.describe());
            QuarantinedRecord report = new QuarantinedRecord(namespace, entry.key(), entry.problem(), movedTo);
            quarantined.add(report);
            LOG.warn("quarantined {} of {}: {}; moved to {}", entry.describe(), uri, entry.problem(), movedTo);
        }
        LOG.debug(
                "loaded namespace '{}' of {}: {} records{} in {} ms",
                namespace,
                uri,
                values.size(),
                damaged.isEmpty() ? "" : ", " + damaged.size() + " quarantined",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return values;
    }

    @Override
    public List<QuarantinedRecord> quarantined() {
        return List.copyOf(quarantined);
    }

    @Override
    public StorageStatistics statistics() {
        return stats.snapshot(quarantined.size());
    }

    /** The counters behind {@link #statistics()}. */
    EngineStatistics stats() {
        return stats;
    }

    /**
     * A record verified against its checksum and parsed.
     *
     * @throws CorruptDataException if it fails either
     */
    StoredValue verify(String namespace, Record record) {
        byte[] json = record.value();
        byte[] metadataJson = record.metadata();
        if (!record.checksumValid(namespace)) {
            throw new CorruptDataException("record of key '" + record.key() + "' in namespace '" + namespace + "' of "
                    + uri + " fails its format-" + record.checksumFormat() + " CRC32C checksum (stored "
                    + Long.toHexString(record.checksum()) + "): it was changed, damaged or moved outside datastore4j");
        }
        try {
            JsonNode tree = codec.parse(json);
            ObjectNode metadata = codec.parseMetadata(metadataJson);
            return new StoredValue(
                    codec.document(record.key(), tree, metadata, record.rev(), record.schemaVersion()),
                    json,
                    metadataJson);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CorruptDataException(
                    "record of key '" + record.key() + "' in namespace '" + namespace + "' of " + uri
                            + " is not valid: " + e.getMessage(),
                    e);
        }
    }

    void scheduleTimeout(CompletableFuture<?> future, Supplier<? extends RuntimeException> error, Duration timeout) {
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            return; // longer than ~292 years: no timeout
        }
        ScheduledFuture<?> task =
                timer().schedule(() -> future.completeExceptionally(error.get()), nanos, TimeUnit.NANOSECONDS);
        future.whenComplete((result, failure) -> task.cancel(false));
    }

    /** Runs {@code task} on the timer thread after {@code nanos}. */
    void schedule(Runnable task, long nanos) {
        timer().schedule(task, Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on the timer thread as soon as it is free. */
    void runSoon(Runnable task) {
        timer().execute(task);
    }

    boolean isClosed() {
        return closed;
    }

    /** Starts, once, the auto-save of open sessions' changed working copies, every {@code autosave} interval. */
    void autosaveSessions() {
        if (sessionAutosave) {
            return;
        }
        synchronized (this) {
            if (sessionAutosave || closed) {
                return;
            }
            sessionAutosave = true;
            long millis = autosaveInterval.toMillis();
            timer().scheduleWithFixedDelay(
                            () -> namespaces.values().forEach(Namespace::autosaveSessions),
                            millis,
                            millis,
                            TimeUnit.MILLISECONDS);
        }
    }

    private synchronized ScheduledThreadPoolExecutor timer() {
        if (timer == null) {
            timer = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "datastore4j-timer " + uri);
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
        }
        return timer;
    }

    void ensureOpen() {
        if (closed) {
            throw closedError();
        }
    }

    DatastoreException closedError() {
        return new DatastoreException(ErrorCode.CLOSED, "storage '" + uri + "' is closed");
    }

    /** Waits for a backend call; a failure while this storage closes is {@code CLOSED}, whatever the backend said. */
    <T> T join(CompletableFuture<T> future, String what) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw failure(what, e);
        }
    }

    /**
     * What a caller sees of a failed backend call: {@code CLOSED} while this storage closes, a {@link
     * DatastoreException} as it is, anything else as {@code BACKEND} saying what failed; a {@link
     * CompletionException} is looked through.
     */
    DatastoreException failure(String what, Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (closed) {
            DatastoreException closedError = closedError();
            closedError.addSuppressed(cause);
            return closedError;
        }
        if (cause instanceof DatastoreException) {
            return (DatastoreException) cause;
        }
        return new BackendException("backend of " + uri + " failed to " + what + ": " + cause, cause);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        RuntimeException failure = null;
        if (durability == Durability.INTERVAL) {
            try {
                saveAll(true).join(); // the final save
            } catch (RuntimeException e) {
                failure = e;
                LOG.error("final save of {} failed; unsaved changes are lost", uri, e);
            }
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; this close already did its work
            }
        }
        pipeline.close(); // commits everything already submitted
        if (shared != null) {
            namespaces.values().forEach(Namespace::closeShared);
            shared.close(); // answers what was submitted
        }
        DatastoreException closedError = closedError();
        namespaces.values().forEach(namespace -> namespace.failWaiters(closedError));
        synchronized (this) {
            if (timer != null) {
                timer.shutdownNow();
            }
        }
        try {
            backend.close();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        LOG.debug("closed {}", uri);
    }

    @Override
    public String toString() {
        return "Storage[" + uri + ", " + durability + "]";
    }
}
