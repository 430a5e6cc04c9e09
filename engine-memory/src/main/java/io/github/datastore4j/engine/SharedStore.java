package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.MigrationException;
import io.github.datastore4j.api.MigrationProgress;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Names;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the namespaces of one storage over a {@link SharedBackend} share: the backend, the group commit of
 * conditional writes, and the threads that resume a key's slot once its write is answered (so that neither the
 * commit thread nor a feed thread runs applications' update functions).
 *
 * <p><b>Concurrency contract.</b> Thread-safe. {@link #close()} sends what was submitted, then stops the threads.
 */
final class SharedStore implements AutoCloseable {
    /** How often a follower asks for the feed's head when no hint came: the bound on a lost hint's delay. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** Records migrated per group commit while a namespace opens. */
    private static final int MIGRATION_BATCH = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(SharedStore.class);

    private final EngineStorage storage;
    private final SharedBackend backend;
    private final String uri;
    private final SharedCommits commits;
    private final ExecutorService executor;
    /** {@link #executor}, or the calling thread once it is shut down: a held slot always resumes. */
    private final Executor resumer;

    SharedStore(EngineStorage storage, SharedBackend backend, String uri) {
        this.storage = storage;
        this.backend = backend;
        this.uri = uri;
        this.commits = new SharedCommits(backend, uri, storage.stats());
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "datastore4j-shared-" + threads.incrementAndGet() + " " + uri);
            thread.setDaemon(true);
            return thread;
        });
        this.resumer = task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException closing) {
                task.run();
            }
        };
    }

    SharedBackend backend() {
        return backend;
    }

    /** Where a key's slot resumes once its backend call is answered. */
    Executor executor() {
        return resumer;
    }

    /**
     * Queues a conditional write for the next group commit.
     *
     * @throws DatastoreException with {@code CLOSED} if the storage is closing
     */
    CompletableFuture<SharedCommits.Answer> submit(ConditionalWrite write) {
        try {
            return commits.submit(write);
        } catch (IllegalStateException e) {
            throw storage.closedError();
        }
    }

    /** A feed follower of {@code namespace}, not started. */
    FeedFollower follower(
            String namespace,
            long position,
            Set<Long> included,
            Consumer<Change> sink,
            Consumer<SharedSnapshot> restart) {
        return new FeedFollower(
                backend,
                namespace,
                position,
                included,
                HEARTBEAT,
                MAX_BACKOFF,
                uri + " '" + namespace + "'",
                sink,
                restart);
    }

    /** What a caller sees of a failed backend call: see {@link EngineStorage#failure}. */
    DatastoreException failure(String what, Throwable failure) {
        return storage.failure(what, failure);
    }

    /**
     * A record as the cache holds it: checksum verified, parsed.
     *
     * @throws DatastoreException with {@code CORRUPT} if it fails its checksum or does not parse
     */
    StoredValue value(String namespace, Record record) {
        return storage.verify(namespace, record);
    }

    /** The key's committed record, read from the backend. */
    CompletableFuture<Optional<StoredValue>> read(String namespace, String key) {
        return backend.read(namespace, key).handle((found, failure) -> {
            if (failure != null) {
                throw storage.failure("read key '" + key + "' of namespace '" + namespace + "'", failure);
            }
            return found.map(record -> value(namespace, record));
        });
    }

    /**
     * Loads {@code namespace} from one snapshot, then brings it to its schema: records older than the schema are
     * migrated with writes that expect the revision loaded, so that when several processes open the namespace at
     * once each record is migrated exactly once (a write that conflicts takes the record found, migrating it again
     * only if it is still old); an empty namespace gets the seed documents, written only where no key exists yet.
     *
     * @throws MigrationException if a step fails or a record is newer than the schema; nothing is opened
     */
    SharedLoad load(String namespace, SchemaValues values, MigrationProgress progress) {
        long started = System.nanoTime();
        SharedSnapshot snapshot = join(backend.snapshot(namespace), "read namespace '" + namespace + "'");
        Map<String, StoredValue> loaded = storage.verifyAll(namespace, snapshot.records(), new ArrayList<>(), started);
        Map<String, Long> positions = new HashMap<>();
        Schema schema = values.schema();
        if (schema != null) {
            if (loaded.isEmpty()) {
                progress.batchCommitted(0, 0, 0);
                seed(namespace, values, loaded, positions);
            } else {
                migrate(namespace, schema, loaded, positions, progress);
            }
        }
        return new SharedLoad(loaded, positions, snapshot.position(), snapshot.included());
    }

    private void seed(
            String namespace, SchemaValues values, Map<String, StoredValue> loaded, Map<String, Long> positions) {
        Map<String, StoredValue> seeds = new LinkedHashMap<>();
        JsonCodec codec = storage.codec();
        values.seed().forEach((key, tree) -> {
            Names.requireValidKey(key);
            ObjectNode metadata = values.metadata();
            seeds.put(
                    key,
                    new StoredValue(
                            codec.document(
                                    key, tree, metadata, 1, values.schema().version()),
                            codec.toBytes(namespace, key, tree),
                            codec.metadataBytes(namespace, key, metadata)));
        });
        Map<String, Long> expected = new HashMap<>();
        seeds.keySet().forEach(key -> expected.put(key, ConditionalWrite.ABSENT));
        Map<String, SharedCommits.Answer> answers = writeAll(namespace, seeds, expected, "seed");
        answers.forEach((key, answer) -> {
            if (answer.committed()) {
                loaded.put(key, seeds.get(key));
                positions.put(key, answer.position());
            } else { // another process seeded (or wrote) it first: its record stands
                answer.found().ifPresent(record -> loaded.put(key, value(namespace, record)));
            }
        });
    }

    private void migrate(
            String namespace,
            Schema schema,
            Map<String, StoredValue> loaded,
            Map<String, Long> positions,
            MigrationProgress progress) {
        int target = schema.version();
        Map<String, StoredValue> old = new LinkedHashMap<>();
        for (StoredValue value : loaded.values()) {
            checkNotNewer(namespace, value, target);
            if (value.document().schemaVersion() < target) {
                old.put(value.document().key(), value);
            }
        }
        if (old.isEmpty()) {
            progress.batchCommitted(0, 0, loaded.size());
            return;
        }
        int total = old.size();
        int done = 0;
        for (int round = 1; !old.isEmpty(); round++) {
            if (round > SharedNamespace.MAX_ATTEMPTS) {
                throw new DatastoreException(
                        ErrorCode.CONFLICT,
                        "migrating namespace '" + namespace + "' of " + uri + ": " + old.size()
                                + " records kept changing at an older schema version in other processes");
            }
            Map<String, StoredValue> migrated = new LinkedHashMap<>();
            Map<String, Long> expected = new HashMap<>();
            for (StoredValue value : old.values()) {
                if (migrated.size() == MIGRATION_BATCH) {
                    break;
                }
                String key = value.document().key();
                migrated.put(key, migrated(namespace, schema, value));
                expected.put(key, value.document().rev());
            }
            Map<String, SharedCommits.Answer> answers = writeAll(namespace, migrated, expected, "migrated");
            for (Map.Entry<String, SharedCommits.Answer> entry : answers.entrySet()) {
                String key = entry.getKey();
                SharedCommits.Answer answer = entry.getValue();
                if (answer.committed()) {
                    loaded.put(key, migrated.get(key));
                    positions.put(key, answer.position());
                    old.remove(key);
                    done++;
                    continue;
                }
                StoredValue found =
                        answer.found().map(record -> value(namespace, record)).orElse(null);
                if (found == null) {
                    loaded.remove(key); // deleted meanwhile
                    old.remove(key);
                    done++;
                } else {
                    checkNotNewer(namespace, found, target);
                    loaded.put(key, found);
                    if (found.document().schemaVersion() < target) {
                        old.put(key, found); // changed, still old: migrate what is there now
                    } else {
                        old.remove(key); // another process migrated it
                        done++;
                    }
                }
            }
            progress.batchCommitted(done, total, loaded.size());
        }
        LOG.info("migrated namespace '{}' of {} to schema version {}: {} records", namespace, uri, target, total);
    }

    private static void checkNotNewer(String namespace, StoredValue value, int target) {
        if (value.document().schemaVersion() > target) {
            throw MigrationException.tooNew(
                    namespace, value.document().key(), value.document().schemaVersion(), target);
        }
    }

    /** {@code value} brought to the schema's version, its revision up by one. */
    private StoredValue migrated(String namespace, Schema schema, StoredValue value) {
        Document stored = value.document();
        JsonNode tree = stored.value();
        for (int step = stored.schemaVersion(); step < schema.version(); step++) {
            tree = EngineStorage.migrateStep(
                    namespace, stored.key(), stored.schemaVersion(), step, schema.step(step), tree);
        }
        JsonCodec codec = storage.codec();
        return new StoredValue(
                codec.document(
                        stored.key(), tree, EngineDocuments.metadata(stored), stored.rev() + 1, schema.version()),
                codec.toBytes(namespace, stored.key(), tree),
                value.metadataJson());
    }

    /** Writes each value expecting its revision, in one group commit; the answers by key. */
    private Map<String, SharedCommits.Answer> writeAll(
            String namespace, Map<String, StoredValue> values, Map<String, Long> expected, String what) {
        Map<String, CompletableFuture<SharedCommits.Answer>> pending = new LinkedHashMap<>();
        values.forEach((key, value) -> pending.put(
                key,
                submit(ConditionalWrite.expecting(
                        Mutation.put(namespace, value.toRecord(namespace)), expected.get(key)))));
        Map<String, SharedCommits.Answer> answers = new LinkedHashMap<>();
        pending.forEach((key, answer) ->
                answers.put(key, join(answer, "commit " + what + " records of namespace '" + namespace + "'")));
        return answers;
    }

    private <T> T join(CompletableFuture<T> future, String what) {
        return storage.join(future, what);
    }

    /** Runs {@code task} after {@code nanos} on the storage's timer. */
    void schedule(Runnable task, long nanos) {
        storage.schedule(task, nanos);
    }

    @Override
    public void close() {
        commits.close();
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
