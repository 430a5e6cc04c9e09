package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.spi.Locations;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one backend: a small pool of idle connections, each in {@code READ COMMITTED}, without
 * auto-commit, with {@code synchronous_commit = on} set and verified, so a completed commit is on the server's disk
 * (as far as the server's own {@code fsync} setting makes it so).
 *
 * <p><b>Concurrency contract.</b> Thread-safe: any thread may {@link #call} at once; each call has a connection to
 * itself. A call that fails because the connection was lost drops it and every idle one (they went with the server
 * or the network), so the next call connects afresh.
 */
final class PostgresConnections {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresConnections.class);
    static final String APPLICATION_NAME = "datastore4j";

    private final PostgresTarget target;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    PostgresConnections(PostgresTarget target) {
        this.target = target;
    }

    /** One unit of work on a connection; commit is the caller's. */
    @FunctionalInterface
    interface SqlCall<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code call} on a connection; an SQL failure is rolled back and thrown as {@link BackendException}
     * naming {@code what}, the store (redacted) and the root cause.
     */
    <T> T call(String what, SqlCall<T> call) {
        if (closed) {
            throw new IllegalStateException("postgres backend " + target.shown() + " is closed");
        }
        Connection connection;
        try {
            connection = borrow();
        } catch (SQLException e) {
            throw failure("connect to " + target.shown() + " to " + what, e);
        }
        try {
            T result = call.run(connection);
            giveBack(connection);
            return result;
        } catch (SQLException e) {
            drop(connection, e);
            throw failure(what + " in " + target.shown(), e);
        } catch (RuntimeException | Error e) {
            drop(connection, null);
            throw e;
        }
    }

    private Connection borrow() throws SQLException {
        Connection connection = idle.pollFirst();
        return connection != null ? connection : open(target, APPLICATION_NAME + " " + target.schema());
    }

    private void giveBack(Connection connection) {
        if (closed) {
            closeQuietly(connection);
        } else {
            idle.offerFirst(connection);
            if (closed) {
                closeAll();
            }
        }
    }

    /** Rolls back and keeps {@code connection}, unless {@code cause} says it or the server is gone. */
    private void drop(Connection connection, SQLException cause) {
        try {
            if (cause == null || !connectionLost(cause)) {
                connection.rollback();
                giveBack(connection);
                return;
            }
        } catch (SQLException rollback) {
            LOG.debug("rollback failed, dropping the connection: {}", rollback.getMessage());
        }
        closeQuietly(connection);
        if (cause != null && connectionLost(cause)) {
            LOG.debug("connection to {} lost ({}); dropping idle connections", target.shown(), cause.getSQLState());
            closeAll();
        }
    }

    /** Whether {@code e} says the connection is gone: SQLState class 08, or the server ending the session (57P). */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /**
     * A new connection to {@code target}, ready for the backend's transactions.
     *
     * @throws SQLException if it cannot connect, or the server refuses {@code synchronous_commit = on}
     */
    static Connection open(PostgresTarget target, String applicationName) throws SQLException {
        Connection connection = new Driver().connect(target.jdbcUrl(), target.properties(applicationName));
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + Locations.redact(target.jdbcUrl()));
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET synchronous_commit TO on");
            try (ResultSet rows = statement.executeQuery("SHOW synchronous_commit")) {
                rows.next();
                if (!"on".equals(rows.getString(1))) {
                    throw new SQLException("synchronous_commit is '" + rows.getString(1) + "' after SET to on");
                }
            }
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setAutoCommit(false);
            return connection;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** A failure naming what failed and its root cause; the URL is redacted, the password never part of it. */
    static BackendException failure(String what, SQLException e) {
        return new BackendException("PostgreSQL failed to " + what + ": " + describe(e), e);
    }

    /** The driver's message, then the root cause's when it is another one (an I/O error under a lost connection). */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = firstLine(e.getMessage())
                + (e instanceof SQLException && ((SQLException) e).getSQLState() != null
                        ? " (SQLState " + ((SQLException) e).getSQLState() + ")"
                        : "");
        if (root != e) {
            message += "; caused by " + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage());
        }
        return Locations.redact(message);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end).strip();
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing a PostgreSQL connection failed: {}", Locations.redact(e.getMessage()));
            }
        }
    }

    private void closeAll() {
        for (Connection connection; (connection = idle.pollFirst()) != null; ) {
            closeQuietly(connection);
        }
    }

    /** Closes every idle connection; connections in use close when their call ends. Idempotent. */
    void close() {
        closed = true;
        closeAll();
    }
}
