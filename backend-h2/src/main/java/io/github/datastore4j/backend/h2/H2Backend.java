package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.h2.Driver;
import org.h2.api.ErrorCode;

/**
 * Records in one H2 table, {@code DATASTORE4J_RECORDS (NS, K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META)} keyed by
 * {@code (NS, K)}. One table with a namespace column rather than a table per namespace: namespaces come and go at run
 * time without DDL, one prepared {@code MERGE} batch commits changes to every namespace in one transaction, and the
 * primary key gives ordered scans.
 *
 * <p><b>Durability.</b> For a persistent database {@link #write} returns only after the batch's chunk was written to
 * the file <em>and</em> forced: the backend runs {@code SET WRITE_DELAY 0}, so H2 has no background writer and writes
 * each commit's chunk in the committing thread before {@code COMMIT} returns, and then {@code CHECKPOINT SYNC} forces
 * the file ({@code FileChannel.force}). With a write delay, H2 stores commits through a background writer and two
 * executor threads, and {@code CHECKPOINT SYNC} ({@code MVStore.commit()} then {@code force}) does not wait for a
 * chunk another path already handed to them: it is not a barrier. The engine's group commit pays the barrier once per
 * batch.
 *
 * <p><b>Concurrency contract.</b> Writes use their own connection, from one thread at a time (the engine's commit
 * thread), each batch in one transaction. Reads and scans share a second connection under a lock; H2's MVCC lets
 * them see each batch whole or not at all. Futures complete on the calling thread.
 */
final class H2Backend implements Backend {
    private static final String TABLE = "DATASTORE4J_RECORDS";
    private static final String QUARANTINE_TABLE = "DATASTORE4J_QUARANTINE";
    private static final String MERGE = "MERGE INTO " + TABLE
            + " (NS, K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META) KEY (NS, K) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM " + TABLE + " WHERE NS = ? AND K = ?";

    private final String url;
    private final boolean persistent;
    private final Connection writer;
    private final Connection reader;
    private final PreparedStatement merge;
    private final PreparedStatement delete;
    private final Statement checkpoint;
    private volatile boolean closed;

    private H2Backend(String url, boolean persistent, Connection writer, Connection reader) throws SQLException {
        this.url = url;
        this.persistent = persistent;
        this.writer = writer;
        this.reader = reader;
        this.merge = writer.prepareStatement(MERGE);
        this.delete = writer.prepareStatement(DELETE);
        this.checkpoint = writer.createStatement();
    }

    /** Database URLs open in this JVM: embedded H2 would let a second storage share the file behind our back. */
    private static final Set<String> OPEN_HERE = ConcurrentHashMap.newKeySet();

    static H2Backend open(String url, boolean persistent) {
        if (!OPEN_HERE.add(url)) {
            throw new LockedException("H2 database " + url + " is already open in this process (pid "
                    + ProcessHandle.current().pid() + "); close that storage first, one storage per database");
        }
        try {
            return connectAndCreate(url, persistent);
        } catch (RuntimeException e) {
            OPEN_HERE.remove(url);
            throw e;
        }
    }

    private static H2Backend connectAndCreate(String url, boolean persistent) {
        Connection writer = null;
        Connection reader = null;
        try {
            writer = connect(url);
            try (Statement statement = writer.createStatement()) {
                if (persistent) {
                    // no background writer: a commit's chunk is written before COMMIT returns (see class javadoc)
                    statement.execute("SET WRITE_DELAY 0");
                }
                statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (NS VARCHAR(128) NOT NULL,"
                        + " K VARCHAR(1024) NOT NULL, REV BIGINT NOT NULL, SCHEMA_VERSION INT NOT NULL,"
                        + " CHECKSUM BIGINT NOT NULL, VAL VARBINARY NOT NULL, PRIMARY KEY (NS, K))");
                statement.execute("CREATE TABLE IF NOT EXISTS " + QUARANTINE_TABLE + " (NS VARCHAR(128) NOT NULL,"
                        + " K VARCHAR(1024) NOT NULL, REV BIGINT NOT NULL, SCHEMA_VERSION INT NOT NULL,"
                        + " CHECKSUM BIGINT NOT NULL, VAL VARBINARY NOT NULL, PROBLEM VARCHAR NOT NULL,"
                        + " AT TIMESTAMP NOT NULL)");
                // added in 0.1: a document's metadata, NULL when it has none; older files gain the column on open
                statement.execute("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS META VARBINARY");
                statement.execute("ALTER TABLE " + QUARANTINE_TABLE + " ADD COLUMN IF NOT EXISTS META VARBINARY");
            }
            writer.setAutoCommit(false);
            reader = connect(url);
            return new H2Backend(url, persistent, writer, reader);
        } catch (SQLException e) {
            closeQuietly(reader);
            closeQuietly(writer);
            if (e.getErrorCode() == ErrorCode.DATABASE_ALREADY_OPEN_1) {
                throw new LockedException(
                        "H2 database " + url + " is open in another process; embedded H2 allows"
                                + " one process (use an H2 server URL, h2:jdbc:h2:tcp://…, to share it)",
                        e);
            }
            throw new BackendException("cannot open H2 database " + url + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(String url) throws SQLException {
        Connection connection = new Driver().connect(url, new Properties());
        if (connection == null) {
            throw new SQLException("not an H2 URL: " + url);
        }
        return connection;
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(persistent, true, persistent, true, false);
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        synchronized (reader) {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META FROM " + TABLE + " WHERE NS = ? AND K = ?")) {
                ensureOpen();
                select.setString(1, namespace);
                select.setString(2, key);
                try (ResultSet rows = select.executeQuery()) {
                    return CompletableFuture.completedFuture(
                            rows.next() ? Optional.of(record(rows)) : Optional.empty());
                }
            } catch (SQLException e) {
                return failed("read key '" + key + "' of namespace '" + namespace + "'", e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        try {
            ensureOpen();
            Class<?> pendingKind = null;
            for (Mutation mutation : batch) {
                if (pendingKind != null && pendingKind != mutation.getClass()) {
                    flush(pendingKind); // keep the batch's order where puts and deletes alternate
                }
                pendingKind = mutation.getClass();
                if (mutation instanceof Mutation.Put) {
                    Record record = ((Mutation.Put) mutation).record();
                    merge.setString(1, mutation.namespace());
                    merge.setString(2, record.key());
                    merge.setLong(3, record.rev());
                    merge.setInt(4, record.schemaVersion());
                    merge.setLong(5, record.checksum());
                    merge.setBytes(6, record.value());
                    merge.setBytes(7, record.hasMetadata() ? record.metadata() : null);
                    merge.addBatch();
                } else {
                    delete.setString(1, mutation.namespace());
                    delete.setString(2, mutation.key());
                    delete.addBatch();
                }
            }
            if (pendingKind != null) {
                flush(pendingKind);
            }
            writer.commit(); // with WRITE_DELAY 0 this writes the chunk
            if (persistent) {
                checkpoint.execute("CHECKPOINT SYNC"); // nothing left to store: forces the file
            }
            return CompletableFuture.completedFuture(null);
        } catch (SQLException e) {
            try {
                merge.clearBatch();
                delete.clearBatch();
                writer.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            return failed("write " + batch.size() + " changes", e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void flush(Class<?> kind) throws SQLException {
        (kind == Mutation.Put.class ? merge : delete).executeBatch();
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        synchronized (reader) {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META FROM " + TABLE + " WHERE NS = ? ORDER BY K")) {
                ensureOpen();
                select.setString(1, namespace);
                select.setFetchSize(1_000);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        sink.accept(record(rows));
                    }
                }
                return CompletableFuture.completedFuture(null);
            } catch (SQLException e) {
                return failed("scan namespace '" + namespace + "'", e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        synchronized (reader) {
            try (Statement statement = reader.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT DISTINCT NS FROM " + TABLE)) {
                ensureOpen();
                Set<String> names = new TreeSet<>();
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
                return CompletableFuture.completedFuture(names);
            } catch (SQLException e) {
                return failed("list namespaces", e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    /** Moves the row to {@code DATASTORE4J_QUARANTINE}, in one transaction. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        try (PreparedStatement copy = writer.prepareStatement("INSERT INTO " + QUARANTINE_TABLE
                        + " (NS, K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META, PROBLEM, AT) SELECT NS, K, REV,"
                        + " SCHEMA_VERSION, CHECKSUM, VAL, META, ?, CURRENT_TIMESTAMP FROM " + TABLE
                        + " WHERE NS = ? AND K = ?");
                PreparedStatement remove = writer.prepareStatement(DELETE)) {
            ensureOpen();
            copy.setString(1, entry.problem());
            copy.setString(2, entry.namespace());
            copy.setString(3, entry.key());
            copy.executeUpdate();
            remove.setString(1, entry.namespace());
            remove.setString(2, entry.key());
            remove.executeUpdate();
            writer.commit();
            if (persistent) {
                checkpoint.execute("CHECKPOINT SYNC");
            }
            return CompletableFuture.completedFuture(QUARANTINE_TABLE + " of " + url);
        } catch (SQLException e) {
            try {
                writer.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            return failed("quarantine " + entry.describe(), e);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Record record(ResultSet rows) throws SQLException {
        byte[] metadata = rows.getBytes(6);
        return new Record(
                rows.getString(1),
                rows.getLong(2),
                rows.getInt(3),
                rows.getLong(4),
                rows.getBytes(5),
                metadata == null ? new byte[0] : metadata);
    }

    private <T> CompletableFuture<T> failed(String what, SQLException e) {
        return CompletableFuture.failedFuture(
                new BackendException("H2 database " + url + " failed to " + what + ": " + e.getMessage(), e));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("H2 backend " + url + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (reader) {
            closeQuietly(reader);
        }
        closeQuietly(writer);
        OPEN_HERE.remove(url);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing; nothing left to do with the error
            }
        }
    }
}
