package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store in one PostgreSQL schema (tables in {@link PostgresSchema}), created on first open.
 *
 * <p><b>Shared.</b> Any number of storages, in any number of processes on any number of machines, open one schema
 * at once: the backend is a {@link SharedBackend} — conditional writes, a change feed per namespace that never skips
 * a late commit, snapshots a reader starts that feed from, leases with fencing tokens — and its capabilities say
 * {@code shared}, so the engine writes only conditionally and follows the feed. Proven at the SPI level by the
 * testkit's {@code SharedBackendKit} and across processes by its {@code SharedStoreKit}.
 *
 * <p><b>Guarantees.</b> A {@link #write} batch is one transaction (all or nothing), later mutations of a key winning.
 * Every committed change, of {@link #write} and of {@link #writeConditionally}, is recorded in the change feed.
 * Every connection runs with {@code synchronous_commit = on} (set and verified), so a completed write survives a crash
 * of this process and of the server; {@code durableOnCommit} is reported only if the server's {@code fsync} is on too.
 * Scans run in key order (the keys' UTF-8 bytes) and stream with a fetch size, never holding a namespace in memory.
 *
 * <p><b>A trimmed feed.</b> A daemon thread per backend trims the feed every few seconds ({@link FeedSweep}): a key's
 * superseded changes after {@code feedRetention}, a deleted key's change after {@code deleteRetention}.
 *
 * <p><b>Errors.</b> A failing call completes its future with a {@code BackendException} naming what failed, the store
 * (URL redacted: no message or log line shows a password) and the root cause. A lost connection fails the call in
 * progress; the next call connects again.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: every method may be called from any thread at once, each call on a
 * pooled connection of its own ({@link PostgresConnections}). Futures complete on the calling thread.
 */
final class PostgresBackend implements SharedBackend {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresBackend.class);
    private static final int FETCH_SIZE = 500;
    private final PostgresTarget target;
    private final PostgresConnections connections;
    private final boolean fsync;
    private final ConditionalWriter writer;
    private final ChangeFeed feed;
    private final Leases leases;
    private final ChangeHints hints;
    private final String records;
    private final Quarantine quarantines;

    private final FeedSweep sweep;
    private final ScheduledExecutorService sweeper;
    /** Whether the last scheduled sweep failed: its failures are logged once per streak. */
    private volatile boolean sweepFailing;

    private PostgresBackend(
            PostgresTarget target, PostgresConnections connections, boolean fsync, FeedRetention retention) {
        this.target = target;
        this.connections = connections;
        this.fsync = fsync;
        String channel = "datastore4j." + target.schema();
        this.records = PostgresSchema.table(target.schema(), "datastore4j_records");
        this.feed = new ChangeFeed(target.schema());
        this.writer = new ConditionalWriter(target.schema(), channel, feed);
        this.leases = new Leases(target.schema());
        this.hints = new ChangeHints(target, channel);
        this.quarantines = new Quarantine(target.schema(), target.shown(), writer);
        this.sweep = new FeedSweep(target.schema(), retention);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "datastore4j-postgres-feed-sweep " + target.schema());
            thread.setDaemon(true);
            return thread;
        });
        long interval = retention.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweepOnSchedule, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Trims the feed ({@link FeedSweep}) until it has nothing more to drop now, waiting for another process's sweep
     * rather than leaving the work to it; returns how many changes it dropped. For tests and operators.
     */
    int sweepFeed() {
        return sweepFeed(true);
    }

    private int sweepFeed(boolean wait) {
        int dropped = 0;
        for (int batches = 0; batches < 100; batches++) {
            FeedSweep.Batch batch = connections.call("trim the change feed", c -> sweep.run(c, wait));
            dropped += batch.dropped();
            if (!batch.more()) {
                break;
            }
        }
        return dropped;
    }

    private void sweepOnSchedule() {
        try {
            int dropped = sweepFeed(false);
            if (sweepFailing) {
                LOG.info("trimming the change feed of {} works again", target.shown());
            }
            sweepFailing = false;
            LOG.trace("trimmed {} changes from the feed of {}", dropped, target.shown());
        } catch (RuntimeException e) {
            if (!sweepFailing) {
                LOG.warn("cannot trim the change feed of {} (tried again later): {}", target.shown(), e.getMessage());
            } else {
                LOG.debug("trimming the change feed of {} still fails: {}", target.shown(), e.getMessage());
            }
            sweepFailing = true;
        }
    }

    /**
     * Opens the store of {@code target}, creating its tables if needed.
     *
     * @throws io.github.datastore4j.api.BackendException naming the root cause if the server cannot be reached
     */
    static PostgresBackend open(PostgresTarget target) {
        return open(target, FeedRetention.DEFAULT);
    }

    /** {@link #open(PostgresTarget)}, trimming the feed after {@code retention}. */
    static PostgresBackend open(PostgresTarget target, FeedRetention retention) {
        PostgresConnections connections = new PostgresConnections(target);
        try {
            boolean fsync = connections.call("create the store's tables", connection -> {
                PostgresSchema.create(connection, target.schema());
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SHOW fsync")) {
                    rows.next();
                    boolean on = "on".equals(rows.getString(1));
                    connection.commit();
                    return on;
                }
            });
            return new PostgresBackend(target, connections, fsync, retention);
        } catch (RuntimeException | Error e) {
            connections.close();
            throw e;
        }
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, true, fsync, true, true, true);
    }

    /** Runs {@code call} so that any failure completes the future instead of being thrown. */
    private static <T> CompletableFuture<T> complete(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        return complete(() -> connections.call("read key '" + key + "' of namespace '" + namespace + "'", c -> {
            Optional<Record> found = readOn(c, records, namespace, key);
            c.commit();
            return found;
        }));
    }

    /** The record of {@code key} in {@code records}, a records table, read on {@code connection}. */
    static Optional<Record> readOn(Connection connection, String records, String namespace, String key)
            throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT k, rev, schema_version, checksum, value, metadata FROM " + records
                        + " WHERE ns = ? AND k = ?")) {
            select.setString(1, namespace);
            select.setBytes(2, ConditionalWriter.key(key));
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(record(rows, 1)) : Optional.empty();
            }
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<ConditionalWrite> writes = ConditionalWrite.unconditional(batch);
        return complete(() -> {
            // refused whole, nothing written, if a live lease holds one of its keys (SharedBackend's rule)
            connections.call("write " + batch.size() + " changes", c -> writer.write(c, writes, true, true, () -> {}));
            return null;
        });
    }

    @Override
    public CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch) {
        return writeConditionally(batch, () -> {});
    }

    /** {@link #writeConditionally(List)}, running {@code beforeCommit} just before the commit: for tests. */
    CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch, Runnable beforeCommit) {
        return complete(() -> {
            ConditionalWrite.requireOneWritePerKey(batch);
            return connections.call(
                    "write " + batch.size() + " changes conditionally",
                    c -> writer.write(c, batch, true, false, beforeCommit));
        });
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        return complete(() -> connections.call("scan namespace '" + namespace + "'", c -> {
            scanOn(c, records, namespace, sink);
            c.commit();
            return null;
        }));
    }

    /** Passes every record of {@code namespace} in {@code records}, a records table, to {@code sink}, in key order. */
    static void scanOn(Connection connection, String records, String namespace, Consumer<? super Record> sink)
            throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT k, rev, schema_version, checksum, value, metadata FROM " + records
                        + " WHERE ns = ? ORDER BY k")) {
            select.setString(1, namespace);
            select.setFetchSize(FETCH_SIZE); // a cursor: without auto-commit, pgjdbc streams in pages of this size
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    sink.accept(record(rows, 1));
                }
            }
        }
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        return complete(() -> connections.call("list namespaces", c -> {
            Set<String> names = new TreeSet<>();
            try (Statement statement = c.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT DISTINCT ns FROM " + records)) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            c.commit();
            return names;
        }));
    }

    /** A conditional delete that moves the record to {@code datastore4j_quarantine} ({@link Quarantine}). */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        if (entry.key() == null) {
            return CompletableFuture.completedFuture("nothing: a row of " + records + " always has a key");
        }
        return complete(() -> connections.call("quarantine " + entry.describe(), c -> quarantines.move(c, entry)));
    }

    @Override
    public CompletableFuture<ChangePage> changesAfter(String namespace, long position, int limit) {
        if (limit <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("limit must be positive: " + limit));
        }
        return complete(() -> connections.call(
                "read the change feed of namespace '" + namespace + "' after " + position,
                c -> feed.changesAfter(c, namespace, position, limit)));
    }

    @Override
    public CompletableFuture<SharedSnapshot> snapshot(String namespace) {
        return complete(() ->
                connections.call("take a snapshot of namespace '" + namespace + "'", c -> feed.snapshot(c, namespace)));
    }

    /** Runs {@code call} on a pooled connection, as every method does: for tests that look at the connections. */
    <T> T onConnection(PostgresConnections.SqlCall<T> call) {
        return connections.call("run a test's call", call);
    }

    @Override
    public CompletableFuture<Long> head() {
        return complete(() -> connections.call("read the change feed's head", feed::head));
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        return hints.add(wakeUp);
    }

    @Override
    public CompletableFuture<Optional<Lease>> acquireLease(String namespace, String key, String holder, Duration ttl) {
        return complete(() -> connections.call(
                "acquire the lease of key '" + key + "' of namespace '" + namespace + "'",
                c -> leases.acquire(c, namespace, key, holder, ttl)));
    }

    @Override
    public CompletableFuture<Optional<Lease>> renewLease(Lease lease, Duration ttl) {
        return complete(() ->
                connections.call("renew the lease of key '" + lease.key() + "'", c -> leases.renew(c, lease, ttl)));
    }

    @Override
    public CompletableFuture<Boolean> releaseLease(Lease lease) {
        return complete(() ->
                connections.call("release the lease of key '" + lease.key() + "'", c -> leases.release(c, lease)));
    }

    /** The record in the six columns from {@code first}: k, rev, schema_version, checksum, value, metadata. */
    static Record record(ResultSet rows, int first) throws SQLException {
        byte[] metadata = rows.getBytes(first + 5);
        return new Record(
                keyOf(rows.getBytes(first)),
                rows.getLong(first + 1),
                rows.getInt(first + 2),
                rows.getLong(first + 3),
                rows.getBytes(first + 4),
                metadata == null ? new byte[0] : metadata);
    }

    static String keyOf(byte[] stored) {
        return new String(stored, StandardCharsets.UTF_8);
    }

    /** Closes the hint thread and the connections, then releases the store's lock. Idempotent. */
    @Override
    public void close() {
        sweeper.shutdownNow();
        hints.close();
        connections.close();
    }
}
