package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.LockedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.sqlite.SQLiteConfig;

/**
 * Opens the store's connections, lends its reader connections, and turns SQLite's errors into the library's.
 *
 * <p>Every connection sets {@code busy_timeout} and the target's {@code synchronous}; WAL mode is the file's own
 * (set when the store is created, persistent), never set here, so that opening a foreign file changes nothing in it. The reader
 * connections form a small pool: in WAL mode readers never wait for the writer, and each read runs in one read
 * transaction ({@code BEGIN} … {@code COMMIT}), a snapshot of one commit.
 *
 * <p><b>Concurrency contract.</b> Thread-safe; a lent connection is used by one thread until it is given back.
 */
final class SqliteConnections implements AutoCloseable {
    private static final int READERS = 4;
    /** SQLite's primary result codes met here. */
    static final int BUSY = 5;

    static final int LOCKED = 6;
    static final int CORRUPT = 11;
    static final int FULL = 13;
    static final int NOTADB = 26;

    private final SqliteTarget target;
    private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> all = new ArrayList<>();
    private int opened;
    private boolean closed;

    SqliteConnections(SqliteTarget target) {
        this.target = target;
    }

    /** A new connection to the store, configured; the caller closes it. */
    Connection open() throws SQLException {
        NativeLibrary.prepare();
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(
                (int) Math.min(Integer.MAX_VALUE, target.busyTimeout().toMillis()));
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(target.synchronous()));
        // no statement here asks for generated keys (a position is read with last_insert_rowid()); with them on, the
        // driver matches every statement's text against a pattern after it runs
        config.setGetGeneratedKeys(false);
        Connection connection = config.createConnection("jdbc:sqlite:" + target.file());
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA foreign_keys = OFF");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** A reader connection, lent until {@link #giveBack}. */
    Connection lend() throws SQLException {
        Connection connection = idle.poll();
        if (connection != null) {
            return connection;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("sqlite: " + target.shown() + " is closed");
            }
            if (opened < READERS) {
                opened++;
                try {
                    connection = open();
                } catch (SQLException | RuntimeException e) {
                    opened--;
                    throw e;
                }
                all.add(connection);
                return connection;
            }
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a reader connection", e);
        }
    }

    /** Takes back a lent connection, outside any transaction. */
    void giveBack(Connection connection) {
        synchronized (this) {
            if (closed || !idle.offer(connection)) {
                close(connection);
            }
        }
    }

    /** Runs {@code call} in one read transaction on a reader connection. */
    <T> T read(String what, SqlCall<T> call) {
        Connection connection;
        try {
            connection = lend();
        } catch (SQLException e) {
            throw failure(target, what, e);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("BEGIN");
            try {
                T result = call.run(connection);
                statement.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollBack(statement);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(target, what, e);
        } finally {
            giveBack(connection);
        }
    }

    /** The library's exception for {@code e}, naming the file and what failed. */
    static DatastoreException failure(SqliteTarget target, String what, SQLException e) {
        int code = e.getErrorCode() & 0xff;
        String message = "sqlite: " + target.shown() + " failed to " + what + ": " + e.getMessage();
        return switch (code) {
            case BUSY, LOCKED ->
                new LockedException(
                        "sqlite: " + target.shown()
                                + " stayed locked by another connection for longer than busyTimeout ("
                                + target.busyTimeout().toMillis() + " ms) while trying to " + what
                                + "; another process holds a long write transaction (" + e.getMessage() + ")",
                        e);
            case NOTADB, CORRUPT -> new CorruptDataException(message, e);
            case FULL -> new BackendException(message + " (No space left on device)", e);
            default -> new BackendException(message, e);
        };
    }

    /** Ends the transaction {@code statement}'s connection has open, after a failure that is the caller's. */
    static void rollBack(Statement statement) {
        try {
            statement.execute("ROLLBACK");
        } catch (SQLException e) {
            // SQLite rolled it back already (a failed COMMIT, a full disk): nothing is open
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing: nothing is left to do with it
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        idle.clear();
        all.forEach(SqliteConnections::close);
        all.clear();
    }

    /** A call on a connection. */
    @FunctionalInterface
    interface SqlCall<T> {
        T run(Connection connection) throws SQLException;
    }
}
