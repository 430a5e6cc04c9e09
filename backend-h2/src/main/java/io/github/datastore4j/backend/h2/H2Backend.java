package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Locations;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.h2.Driver;
import org.h2.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * batch. A write that fails is reported with its root cause (such as "No space left on device", with the file); if H2
 * closed the database because of it (it does on any failed chunk write), every later call fails naming that cause,
 * and the store opens again, without the refused writes, once the cause is gone. A file that was not closed cleanly
 * is first repaired by {@link H2CrashRepair}: H2's own recovery can come back at an older commit than the last one it
 * acknowledged.
 *
 * <p><b>One storage per database.</b> {@link H2StoreLock} refuses a second storage with {@code LOCKED} naming the
 * holder, whatever URL and process it comes from. A failed open releases everything it took.
 *
 * <p><b>Concurrency contract.</b> Writes use their own connection, from one thread at a time (the engine's commit
 * thread), each batch in one transaction. Reads and scans share a second connection under a lock; H2's MVCC lets
 * them see each batch whole or not at all. A third connection only holds the store's lock. Futures complete on the
 * calling thread.
 */
final class H2Backend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(H2Backend.class);
    private static final String TABLE = "DATASTORE4J_RECORDS";
    private static final String QUARANTINE_TABLE = "DATASTORE4J_QUARANTINE";
    private static final String MERGE = "MERGE INTO " + TABLE
            + " (NS, K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META) KEY (NS, K) VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM " + TABLE + " WHERE NS = ? AND K = ?";
    /** What every MVStore file starts with: its header, {@code H:2,block:…}. */
    /** {@code PASSWORD=…} and {@code FILE_PASSWORD=…} up to the next {@code ;}, spaces included. */
    private static final Pattern H2_PASSWORD = Pattern.compile("(?i)(\\b\\w*PASSWORD\\s*=)[^;]*");

    private static final byte[] MV_STORE_HEADER = "H:2,".getBytes(StandardCharsets.US_ASCII);

    private final String url;
    private final String name;
    private final boolean persistent;
    private final H2StoreLock lock;
    /** The open connections, or null after H2 closed the database under them; guarded by this. */
    private Connections connections;
    /** Why H2 closed the database under {@link #connections}, which are then null; guarded by this. */
    private SQLException brokenBy;

    private boolean closed;

    /** The connections of one opening of the database, replaced as a whole. */
    private static final class Connections {
        final Connection writer;
        final Connection reader;
        final Connection lock;
        final PreparedStatement merge;
        final PreparedStatement delete;
        final Statement checkpoint;

        Connections(Connection writer, Connection reader, Connection lock) throws SQLException {
            this.writer = writer;
            this.reader = reader;
            this.lock = lock;
            this.merge = writer.prepareStatement(MERGE);
            this.delete = writer.prepareStatement(DELETE);
            this.checkpoint = writer.createStatement();
        }

        /**
         * Closes the lock's connection last, so the store stays locked until the others are gone. Failures are logged
         * unless H2 already closed the database, when closing can only repeat the failure that closed it.
         */
        void close(boolean broken) {
            synchronized (reader) {
                closeQuietly(reader, broken);
            }
            closeQuietly(writer, broken);
            closeQuietly(lock, broken);
        }
    }

    private H2Backend(String url, String name, boolean persistent, H2StoreLock lock) {
        this.url = url;
        this.name = name;
        this.persistent = persistent;
        this.lock = lock;
    }

    /**
     * Opens the database at {@code url}; a failure releases everything taken.
     *
     * @param shownUrl the URL as the user gave it, for messages when there is no file (passwords are redacted)
     * @param file the database file ({@code <name>.mv.db}) when the URL names one on the default file system, else
     *     null: it is checked before H2 sees it, and the store's holder is noted beside it
     */
    static H2Backend open(String url, String shownUrl, Path file, boolean persistent) {
        String name = file != null ? file.toString() : redact(shownUrl);
        Path holderFile = file == null ? null : file.resolveSibling(baseName(file) + ".holder");
        H2StoreLock lock = H2StoreLock.claim(file, url, name, holderFile);
        boolean existed = file != null && Files.exists(file);
        try {
            if (file != null) {
                requireH2StoreOrNothing(file);
                if (existed) {
                    H2CrashRepair.repairIfUnclean(file); // H2 alone may open an older commit (see that class)
                }
            }
            H2Backend backend = new H2Backend(url, name, persistent, lock);
            synchronized (backend) {
                backend.connections = backend.connect();
            }
            try {
                lock.claimCreated(file);
            } catch (RuntimeException e) {
                backend.close();
                throw e;
            }
            return backend;
        } catch (RuntimeException | Error e) {
            lock.release();
            if (!existed && !(e instanceof LockedException)) {
                // H2 created it, then failed (a full disk): it must not read as corrupt later. Not when locked: then
                // it is the holder's new file, and deleting it would unlink the store that process is writing
                deleteIfEmpty(file, e);
            }
            throw e;
        }
    }

    private static String baseName(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.substring(0, fileName.length() - ".mv.db".length());
    }

    /**
     * A missing file is a new store; anything else must be an H2 store. H2 itself opens an empty file as a new empty
     * store, so an emptied file (a failed copy, a truncation) would silently lose everything.
     */
    private static void requireH2StoreOrNothing(Path file) {
        Path location = file.resolveSibling(baseName(file));
        if (!Files.exists(file)) {
            if (Files.isRegularFile(location)) {
                throw new CorruptDataException(location + " is a file that is not an H2 store: h2: keeps a store in "
                        + file + " (name the store without .mv.db) and will not create an empty store beside it");
            }
            return;
        }
        byte[] start;
        try (InputStream in = Files.newInputStream(file)) {
            start = in.readNBytes(MV_STORE_HEADER.length);
        } catch (IOException e) {
            throw new BackendException("cannot read H2 database file " + file + ": " + e, e);
        }
        if (start.length == 0) {
            throw new CorruptDataException("H2 database file " + file + " is empty (0 bytes): it is not a store, and"
                    + " opening it would start an empty one; restore it from a backup, or delete it to start anew");
        }
        if (!Arrays.equals(start, MV_STORE_HEADER)) {
            throw new CorruptDataException("H2 database file " + file + " is not an H2 store: it does not start with"
                    + " the MVStore header 'H:2,'");
        }
    }

    private static void deleteIfEmpty(Path file, Throwable failure) {
        try {
            if (file != null && Files.isRegularFile(file) && Files.size(file) == 0) {
                Files.delete(file);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** Opens the connections and takes the lock; closes whatever it opened if anything fails. */
    private Connections connect() {
        Connection writer = null;
        Connection lockConnection = null;
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
            lockConnection = connect(url);
            lock.hold(lockConnection, writer);
            reader = connect(url);
            return new Connections(writer, reader, lockConnection);
        } catch (SQLException e) {
            closeQuietly(reader, true);
            closeQuietly(writer, true);
            closeQuietly(lockConnection, true);
            if (e.getErrorCode() == ErrorCode.DATABASE_ALREADY_OPEN_1) {
                throw lock.heldByAnotherProcess(e);
            }
            if (e.getErrorCode() == ErrorCode.FILE_CORRUPTED_1) {
                throw new CorruptDataException("H2 database " + name + " is corrupt: " + describe(e), e);
            }
            throw new BackendException("cannot open H2 database " + name + ": " + describe(e), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(reader, true);
            closeQuietly(writer, true);
            closeQuietly(lockConnection, true);
            throw e;
        }
    }

    private static Connection connect(String url) throws SQLException {
        Connection connection = new Driver().connect(url, new Properties());
        if (connection == null) {
            throw new SQLException("not an H2 URL: " + redact(url));
        }
        return connection;
    }

    /**
     * The open connections.
     *
     * <p>Once H2 closed the database after a failed write, every call fails naming that failure, and the storage must
     * be reopened. Opening it again in place was tried: on a disk that is still full each attempt writes (settings,
     * the holder row), tears another chunk at the end of the file, and H2's recovery then came back at an older
     * version than the last acknowledged commit (FullDiskKit lost acknowledged writes in 2 of 3 runs; 0 of 4 without).
     *
     * @throws BackendException after H2 closed the database, naming why
     */
    private synchronized Connections connections() {
        if (closed) {
            throw new IllegalStateException("H2 backend " + name + " is closed");
        }
        if (connections == null) {
            throw new BackendException(
                    "H2 database " + name + " was closed by H2 after a failed write: " + describe(brokenBy)
                            + "; close this storage and open it again once the cause is fixed (such as free space on"
                            + " the disk)",
                    brokenBy);
        }
        return connections;
    }

    /** Drops {@code broken} (if still current) after {@code cause} showed H2 closed the database under it. */
    private void drop(Connections broken, SQLException cause) {
        synchronized (this) {
            if (connections != broken) {
                return;
            }
            connections = null;
            brokenBy = cause;
        }
        broken.close(true);
    }

    /** Whether {@code e} says the database or connection is gone, rather than that one statement failed. */
    private static boolean databaseGone(SQLException e) {
        int code = e.getErrorCode();
        return code == ErrorCode.DATABASE_IS_CLOSED
                || code == ErrorCode.CONNECTION_BROKEN_1
                || code == ErrorCode.IO_EXCEPTION_1
                || code == ErrorCode.IO_EXCEPTION_2
                || code == ErrorCode.FILE_CORRUPTED_1;
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(persistent, true, persistent, true, false);
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        return onReader("read key '" + key + "' of namespace '" + namespace + "'", reader -> {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META FROM " + TABLE + " WHERE NS = ? AND K = ?")) {
                select.setString(1, namespace);
                select.setString(2, key);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(record(rows)) : Optional.empty();
                }
            }
        });
    }

    /** A call on the shared reader connection, under its lock. */
    @FunctionalInterface
    private interface ReaderCall<T> {
        T run(Connection reader) throws SQLException;
    }

    /**
     * Runs {@code call} on the reader connection, one reader at a time; its result completes the future, and any
     * failure fails it — an SQL one named by {@code what}, dropping the connections if H2 closed the database.
     */
    private <T> CompletableFuture<T> onReader(String what, ReaderCall<T> call) {
        Connections c;
        try {
            c = connections();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        synchronized (c.reader) {
            try {
                return CompletableFuture.completedFuture(call.run(c.reader));
            } catch (SQLException e) {
                return failedRead(c, what, e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        Connections c;
        try {
            c = connections();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        boolean committed = false;
        try {
            Class<?> pendingKind = null;
            for (Mutation mutation : batch) {
                if (pendingKind != null && pendingKind != mutation.getClass()) {
                    flush(c, pendingKind); // keep the batch's order where puts and deletes alternate
                }
                pendingKind = mutation.getClass();
                if (mutation instanceof Mutation.Put) {
                    Record record = ((Mutation.Put) mutation).record();
                    c.merge.setString(1, mutation.namespace());
                    c.merge.setString(2, record.key());
                    c.merge.setLong(3, record.rev());
                    c.merge.setInt(4, record.schemaVersion());
                    c.merge.setLong(5, record.checksum());
                    c.merge.setBytes(6, record.value());
                    c.merge.setBytes(7, record.hasMetadata() ? record.metadata() : null);
                    c.merge.addBatch();
                } else {
                    c.delete.setString(1, mutation.namespace());
                    c.delete.setString(2, mutation.key());
                    c.delete.addBatch();
                }
            }
            if (pendingKind != null) {
                flush(c, pendingKind);
            }
            c.writer.commit(); // with WRITE_DELAY 0 this writes the chunk
            committed = true;
            if (persistent) {
                c.checkpoint.execute("CHECKPOINT SYNC"); // nothing left to store: forces the file
            }
            return CompletableFuture.completedFuture(null);
        } catch (SQLException e) {
            return failedWrite(c, committed, "write " + batch.size() + " changes", e);
        }
    }

    private static void flush(Connections c, Class<?> kind) throws SQLException {
        (kind == Mutation.Put.class ? c.merge : c.delete).executeBatch();
    }

    /**
     * Fails a write. If the transaction cannot be rolled back (H2 closed the database), or it committed and only the
     * force failed, H2's state no longer matches what callers were told: the connections are dropped and every later
     * call fails.
     */
    private <T> CompletableFuture<T> failedWrite(Connections c, boolean committed, String what, SQLException e) {
        boolean rolledBack = false;
        if (!committed) {
            try {
                c.merge.clearBatch();
                c.delete.clearBatch();
                c.writer.rollback();
                rolledBack = true;
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
        }
        if (!rolledBack || databaseGone(e)) {
            drop(c, e);
        }
        return CompletableFuture.failedFuture(
                new BackendException("H2 database " + name + " failed to " + what + ": " + describe(e), e));
    }

    private <T> CompletableFuture<T> failedRead(Connections c, String what, SQLException e) {
        if (databaseGone(e)) {
            drop(c, e);
        }
        return CompletableFuture.failedFuture(
                new BackendException("H2 database " + name + " failed to " + what + ": " + describe(e), e));
    }

    /**
     * What went wrong, root cause first: H2 reports a full disk as "General error" or "The database has been closed",
     * with the file system's own error ("No space left on device") only at the end of the cause chain.
     */
    private String describe(SQLException e) {
        if (e == null) {
            return "no recorded failure";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String h2 = firstLine(e.getMessage());
        if (root == e) {
            return h2;
        }
        String cause = root instanceof IOException ? "I/O error: " + root.getMessage() : String.valueOf(root);
        return cause + " (" + name + "); H2 reported: " + h2;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        String line = end < 0 ? message : message.substring(0, end).strip();
        if (line.endsWith("; SQL statement:")) {
            line = line.substring(0, line.length() - "; SQL statement:".length());
        }
        return redact(line);
    }

    /**
     * {@code url} with any password replaced by {@code ***}, for messages and logs: the SPI's one rule. H2 settings end
     * only at {@code ;}, and an encrypted database's {@code PASSWORD} is {@code <file password> <user password>}, with a
     * space that {@link Locations#redact} takes for the end of the value: the whole value is replaced first.
     */
    static String redact(String url) {
        return url == null ? null : Locations.redact(H2_PASSWORD.matcher(url).replaceAll("$1***"));
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        return onReader("scan namespace '" + namespace + "'", reader -> {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META FROM " + TABLE + " WHERE NS = ? ORDER BY K")) {
                select.setString(1, namespace);
                select.setFetchSize(1_000);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        sink.accept(record(rows));
                    }
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        return onReader("list namespaces", reader -> {
            try (Statement statement = reader.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT DISTINCT NS FROM " + TABLE)) {
                Set<String> names = new TreeSet<>();
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
                return names;
            }
        });
    }

    /** Moves the row to {@code DATASTORE4J_QUARANTINE}, in one transaction. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        Connections c;
        try {
            c = connections();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        boolean committed = false;
        try (PreparedStatement copy = c.writer.prepareStatement("INSERT INTO " + QUARANTINE_TABLE
                        + " (NS, K, REV, SCHEMA_VERSION, CHECKSUM, VAL, META, PROBLEM, AT) SELECT NS, K, REV,"
                        + " SCHEMA_VERSION, CHECKSUM, VAL, META, ?, CURRENT_TIMESTAMP FROM " + TABLE
                        + " WHERE NS = ? AND K = ?");
                PreparedStatement remove = c.writer.prepareStatement(DELETE)) {
            copy.setString(1, entry.problem());
            copy.setString(2, entry.namespace());
            copy.setString(3, entry.key());
            copy.executeUpdate();
            remove.setString(1, entry.namespace());
            remove.setString(2, entry.key());
            remove.executeUpdate();
            c.writer.commit();
            committed = true;
            if (persistent) {
                c.checkpoint.execute("CHECKPOINT SYNC");
            }
            return CompletableFuture.completedFuture(QUARANTINE_TABLE + " of " + name);
        } catch (SQLException e) {
            return failedWrite(c, committed, "quarantine " + entry.describe(), e);
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

    /** Closes H2 (the URLs the backend builds keep H2's own shutdown hook out of it) and releases the lock. */
    @Override
    public void close() {
        Connections open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = connections;
            connections = null;
            lock.forgetHolderFile(); // while still held
        }
        if (open != null) {
            open.close(false);
        }
        lock.release();
    }

    private static void closeQuietly(AutoCloseable closeable, boolean alreadyFailed) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (!alreadyFailed) { // what was acknowledged is committed already; say so rather than swallow it
                    LOG.warn("closing an H2 connection failed: {}", firstLine(e.getMessage()));
                }
            }
        }
    }
}
