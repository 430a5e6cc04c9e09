package io.github.datastore4j.backend.sqlite;

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
import java.sql.Connection;
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
 * A store in one SQLite file in WAL mode ({@link SqliteSchema}), which every process of one machine may open at once:
 * a {@link SharedBackend} whose capabilities say {@code shared}. Proven at the SPI level by the testkit's {@code
 * SharedBackendKit} and across processes by its {@code SharedStoreKit}.
 *
 * <p><b>Connections.</b> One write connection, owned by the {@link GroupCommitWriter} thread, through which every write
 * of this process goes — conditional batches, unconditional batches, leases, quarantines, sweeps — many to a
 * transaction; reader connections from {@link SqliteConnections} for reads, scans, the feed and snapshots, which in
 * WAL mode never wait for a writer. The {@link ChangeSignal} reads the write connection's {@code data_version}: no
 * connection of its own.
 *
 * <p><b>Guarantees.</b> A batch is all or nothing. With {@code synchronous=FULL} (the default) a completed write
 * survives a crash of the process and a power loss; {@code durableOnCommit} says so. Scans run in key order (the
 * keys' UTF-8 bytes). A write that waits for another process's write lock longer than {@code busyTimeout} fails with
 * {@code LOCKED} naming the file; a file that is not a store is refused as {@code CORRUPT}, untouched; a file on a
 * network file system is refused ({@link FileSystemCheck}).
 *
 * <p><b>Concurrency contract.</b> Thread-safe: every method may be called from any thread at once. Writes complete on
 * the writer thread, reads on the calling thread.
 */
final class SqliteBackend implements SharedBackend {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteBackend.class);

    private final SqliteTarget target;
    private final SqliteConnections connections;
    private final GroupCommitWriter writer;
    /** The conditional writes of the write connection: used only inside the writer's transactions. */
    private final ConditionalWriter conditional;

    private final ChangeSignal signal;
    private final FeedSweep sweep;
    private final ScheduledExecutorService sweeper;
    private volatile boolean closed;

    private SqliteBackend(SqliteTarget target, SqliteConnections connections, Connection writeConnection) {
        this.target = target;
        this.connections = connections;
        // the poller starts with the first listener, once the writer is set
        this.signal = new ChangeSignal(this::lookForOthers, target.shown());
        this.sweep = new FeedSweep(target.retention());
        this.writer = new GroupCommitWriter(target, writeConnection, signal);
        this.conditional = new ConditionalWriter(writer.statements());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(
                    task, "datastore4j-sqlite-feed-sweep " + target.file().getFileName());
            thread.setDaemon(true);
            return thread;
        });
        long interval = target.retention().sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweepOnSchedule, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the store at {@code target}, creating it if there is no file.
     *
     * @throws io.github.datastore4j.api.DatastoreException naming the file: {@code CORRUPT} for a file that is not a
     *     store, {@code LOCKED} if another process held the write lock past {@code busyTimeout}, {@code
     *     INVALID_OPTION} on a network file system, {@code BACKEND} otherwise
     */
    static SqliteBackend open(SqliteTarget target) {
        FileSystemCheck.requireLocal(target.shown(), FileSystemCheck.typeOf(target.file()));
        SqliteConnections connections = new SqliteConnections(target);
        Connection connection = null;
        try {
            SqliteSchema.createIfMissing(target);
            SqliteSchema.requireNotEmpty(target);
            connection = connections.open();
            try (Statement statement = connection.createStatement()) {
                statement.execute("BEGIN IMMEDIATE");
                try {
                    SqliteSchema.check(connection, target);
                    statement.execute("COMMIT");
                } catch (SQLException | RuntimeException e) {
                    SqliteConnections.rollBack(statement);
                    throw e;
                }
                requireWal(statement);
            }
            return new SqliteBackend(target, connections, connection);
        } catch (SQLException e) {
            closeQuietly(connection);
            connections.close();
            throw SqliteConnections.failure(target, "open the store", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(connection);
            connections.close();
            throw e;
        }
    }

    /** SQLite keeps the journal mode it could not set (a file system without shared memory) and says which it chose. */
    private static void requireWal(Statement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
            rows.next();
            String mode = rows.getString(1);
            if ("wal".equalsIgnoreCase(mode)) {
                return;
            }
        }
        try (ResultSet rows = statement.executeQuery("PRAGMA journal_mode = WAL")) {
            rows.next();
            String mode = rows.getString(1);
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new SQLException("the file is in journal mode " + mode + ", not WAL: SQLite could not switch it"
                        + " (a file system without shared memory?)");
            }
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // failing open already: its own failure is the one reported
            }
        }
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, true, target.durable(), true, true, true);
    }

    private <T> CompletableFuture<T> read(String what, SqliteConnections.SqlCall<T> call) {
        return complete(() -> {
            requireOpen();
            return connections.read(what, call);
        });
    }

    private <T> CompletableFuture<T> write(String what, GroupCommitWriter.Body<T> body) {
        if (closed) {
            return CompletableFuture.failedFuture(closedFailure());
        }
        return writer.submit(what, body);
    }

    private static <T> CompletableFuture<T> complete(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw closedFailure();
        }
    }

    private IllegalStateException closedFailure() {
        return new IllegalStateException("sqlite: " + target.shown() + " is closed");
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        return read(
                "read key '" + key + "' of namespace '" + namespace + "'",
                c -> ConditionalWriter.read(c, namespace, key));
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<ConditionalWrite> writes = ConditionalWrite.unconditional(batch);
        return write("write " + batch.size() + " changes", c -> {
            // refused whole, nothing written, if a live lease holds one of its keys (SharedBackend's rule): the
            // exception rolls this piece of the group commit back
            ConditionalWrite.refuseIfLeased(writes, conditional.write(writes, true));
            return null;
        });
    }

    @Override
    public CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch) {
        return writeConditionally(batch, () -> {});
    }

    /** {@link #writeConditionally(List)}, running {@code beforeCommit} in its transaction after the writes: for tests. */
    CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch, Runnable beforeCommit) {
        try {
            ConditionalWrite.requireOneWritePerKey(batch);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return write("write " + batch.size() + " changes conditionally", c -> {
            ConditionalResult result = conditional.write(batch, true);
            beforeCommit.run();
            return result;
        });
    }

    /** Commits on the calling thread when no other is committing ({@link GroupCommitWriter#call}). */
    @Override
    public ConditionalResult writeConditionallyHere(List<ConditionalWrite> batch) {
        ConditionalWrite.requireOneWritePerKey(batch);
        if (closed) {
            throw closedFailure();
        }
        return writer.call("write " + batch.size() + " changes conditionally", c -> conditional.write(batch, true));
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        return read("scan namespace '" + namespace + "'", c -> {
            ChangeFeed.scan(c, namespace, sink);
            return null;
        });
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        return read("list namespaces", c -> {
            Set<String> names = new TreeSet<>();
            try (Statement statement = c.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT DISTINCT ns FROM datastore4j_records")) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            return names;
        });
    }

    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        if (entry.key() == null) {
            return CompletableFuture.completedFuture("nothing: a row of datastore4j_records always has a key");
        }
        return write("quarantine " + entry.describe(), c -> Quarantine.move(c, conditional, entry, target.shown()));
    }

    @Override
    public CompletableFuture<ChangePage> changesAfter(String namespace, long position, int limit) {
        if (limit <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("limit must be positive: " + limit));
        }
        return read(
                "read the change feed of namespace '" + namespace + "' after " + position,
                c -> ChangeFeed.changesAfter(c, namespace, position, limit));
    }

    @Override
    public CompletableFuture<SharedSnapshot> snapshot(String namespace) {
        return read("take a snapshot of namespace '" + namespace + "'", c -> ChangeFeed.snapshot(c, namespace));
    }

    @Override
    public CompletableFuture<Long> head() {
        return read("read the change feed's head", ChangeFeed::head);
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        requireOpen();
        return signal.add(wakeUp);
    }

    @Override
    public CompletableFuture<Optional<Lease>> acquireLease(String namespace, String key, String holder, Duration ttl) {
        return write(
                "acquire the lease of key '" + key + "' of namespace '" + namespace + "'",
                c -> Leases.acquire(c, namespace, key, holder, ttl));
    }

    @Override
    public CompletableFuture<Optional<Lease>> renewLease(Lease lease, Duration ttl) {
        return write("renew the lease of key '" + lease.key() + "'", c -> Leases.renew(c, lease, ttl));
    }

    @Override
    public CompletableFuture<Boolean> releaseLease(Lease lease) {
        return write("release the lease of key '" + lease.key() + "'", c -> Leases.release(c, lease));
    }

    /** Trims the feed until its cursors have nothing more to pass now; how many changes went. For tests and the schedule. */
    int sweepFeed() {
        int dropped = 0;
        for (int batches = 0; batches < 100; batches++) {
            FeedSweep.Batch batch = write("trim the change feed", sweep::run).join();
            dropped += batch.dropped();
            if (!batch.more()) {
                break;
            }
        }
        return dropped;
    }

    private void sweepOnSchedule() {
        try {
            sweepFeed();
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.debug(
                        "cannot trim the change feed of {} now (tried again later): {}", target.shown(), e.toString());
            }
        }
    }

    /** The target this backend opened: for tests. */
    SqliteTarget target() {
        return target;
    }

    /** For the change signal's poller: the writer looks at other connections' commits. */
    private void lookForOthers() {
        writer.lookForOthers();
    }

    /** Stops the sweep and the signal, lets the writer finish its group, then closes every connection. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.shutdownNow();
        signal.close();
        writer.close();
        connections.close();
    }
}
