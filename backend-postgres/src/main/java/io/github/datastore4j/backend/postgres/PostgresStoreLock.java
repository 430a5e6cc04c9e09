package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.LockedException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage per schema, until the engine has a shared mode: a session-level {@code pg_advisory_lock} on the schema's
 * name, held by a connection of its own for the storage's lifetime. The server drops it with the session, so it goes
 * with its holder: at close, and when the holder's process dies (a killed process's kernel closes its socket, and the
 * server ends the session). Who holds it is kept in {@code datastore4j_holder}, for the message another opener gets.
 *
 * <p>If the lock's connection is lost while the storage is open (a network failure, {@code pg_terminate_backend}), the
 * server releases the lock and another storage could open the schema; the backend does not notice until it closes.
 *
 * <p><b>Concurrency contract.</b> {@link #claim} may run anywhere at once; {@link #release} is idempotent and
 * thread-safe.
 */
final class PostgresStoreLock {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresStoreLock.class);
    private final Connection connection;
    private final String holder;

    private PostgresStoreLock(Connection connection, String holder) {
        this.connection = connection;
        this.holder = holder;
    }

    /**
     * Takes the lock of {@code target}'s schema, whose tables must exist.
     *
     * @throws LockedException naming the holder if another storage holds it
     * @throws SQLException if the server cannot be asked
     */
    static PostgresStoreLock claim(PostgresTarget target) throws SQLException {
        String holder = "pid " + ProcessHandle.current().pid() + "@" + hostName() + " since " + Instant.now();
        Connection connection = PostgresConnections.open(target, PostgresConnections.APPLICATION_NAME + " lock");
        try {
            connection.setAutoCommit(true);
            boolean taken;
            try (PreparedStatement lock =
                    connection.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "datastore4j.store:" + target.schema());
                try (ResultSet rows = lock.executeQuery()) {
                    rows.next();
                    taken = rows.getBoolean(1);
                }
            }
            String table = PostgresSchema.table(target.schema(), "datastore4j_holder");
            if (!taken) {
                String found = "a holder that has not recorded itself yet";
                try (PreparedStatement select =
                                connection.prepareStatement("SELECT holder FROM " + table + " WHERE id = 1");
                        ResultSet rows = select.executeQuery()) {
                    if (rows.next()) {
                        found = rows.getString(1);
                    }
                }
                throw new LockedException("PostgreSQL store " + target.shown() + " is held by another storage ("
                        + found + "): one storage per schema until the engine has a shared mode; close that one"
                        + " first, or use another schema");
            }
            try (PreparedStatement record = connection.prepareStatement("INSERT INTO " + table
                    + " (id, holder, since) VALUES (1, ?, now()) ON CONFLICT (id) DO UPDATE SET holder ="
                    + " EXCLUDED.holder, since = EXCLUDED.since")) {
                record.setString(1, holder);
                record.executeUpdate();
            }
            LOG.debug("{} holds {}", holder, target.shown());
            return new PostgresStoreLock(connection, holder);
        } catch (SQLException | RuntimeException e) {
            PostgresConnections.closeQuietly(connection);
            throw e;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    /** Who holds it, as the message of another opener names it. */
    String holder() {
        return holder;
    }

    /** Ends the lock's session, which releases the lock. */
    void release() {
        PostgresConnections.closeQuietly(connection);
    }
}
