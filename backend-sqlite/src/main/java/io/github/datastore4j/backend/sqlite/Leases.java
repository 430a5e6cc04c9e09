package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Leases as rows of {@code datastore4j_leases (ns, k, holder, token, expires_at)}, timed in milliseconds by this
 * machine's clock: every process of a {@code sqlite:} store runs on the one machine, so they all read the same clock.
 * A row is never deleted: giving a lease back ends its time, so the key's token keeps growing across every grant.
 * Every method runs inside a write transaction of {@link GroupCommitWriter}, so the check and the change are one
 * step for every process: a conditional write's fencing check ({@link #admits}) runs in the write's own transaction.
 *
 * <p><b>Concurrency contract.</b> Stateless; each call uses the connection it is given, on the writer thread.
 */
final class Leases {
    private Leases() {}

    /**
     * Whether a write carrying {@code token} may write {@code key} at {@code now}: with {@link
     * ConditionalWrite#NO_FENCE} only while no lease is live on it, else only while the live lease has that token.
     */
    static boolean admits(Connection connection, String namespace, String key, long token, long now)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT token FROM datastore4j_leases WHERE ns = ? AND k = ? AND expires_at > ?")) {
            select.setString(1, namespace);
            select.setBytes(2, ConditionalWriter.key(key));
            select.setLong(3, now);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return token == ConditionalWrite.NO_FENCE;
                }
                return rows.getLong(1) == token;
            }
        }
    }

    static Optional<Lease> acquire(Connection connection, String namespace, String key, String holder, Duration ttl)
            throws SQLException {
        long now = System.currentTimeMillis();
        long until = now + ttl.toMillis();
        byte[] k = ConditionalWriter.key(key);
        long token;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT token, expires_at FROM datastore4j_leases WHERE ns = ? AND k = ?")) {
            select.setString(1, namespace);
            select.setBytes(2, k);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    token = 1;
                } else if (rows.getLong(2) > now) {
                    return Optional.empty();
                } else {
                    token = rows.getLong(1) + 1;
                }
            }
        }
        try (PreparedStatement upsert = connection.prepareStatement("INSERT OR REPLACE INTO datastore4j_leases"
                + " (ns, k, holder, token, expires_at) VALUES (?, ?, ?, ?, ?)")) {
            upsert.setString(1, namespace);
            upsert.setBytes(2, k);
            upsert.setString(3, holder);
            upsert.setLong(4, token);
            upsert.setLong(5, until);
            upsert.executeUpdate();
        }
        return Optional.of(new Lease(namespace, key, holder, token, Instant.ofEpochMilli(until)));
    }

    static Optional<Lease> renew(Connection connection, Lease lease, Duration ttl) throws SQLException {
        long now = System.currentTimeMillis();
        long until = now + ttl.toMillis();
        try (PreparedStatement update = connection.prepareStatement("UPDATE datastore4j_leases SET expires_at = ?"
                + " WHERE ns = ? AND k = ? AND token = ? AND expires_at > ?")) {
            update.setLong(1, until);
            update.setString(2, lease.namespace());
            update.setBytes(3, ConditionalWriter.key(lease.key()));
            update.setLong(4, lease.token());
            update.setLong(5, now);
            if (update.executeUpdate() == 0) {
                return Optional.empty();
            }
        }
        return Optional.of(
                new Lease(lease.namespace(), lease.key(), lease.holder(), lease.token(), Instant.ofEpochMilli(until)));
    }

    static boolean release(Connection connection, Lease lease) throws SQLException {
        long now = System.currentTimeMillis();
        try (PreparedStatement update = connection.prepareStatement("UPDATE datastore4j_leases SET expires_at = ?"
                + " WHERE ns = ? AND k = ? AND token = ? AND expires_at > ?")) {
            update.setLong(1, now);
            update.setString(2, lease.namespace());
            update.setBytes(3, ConditionalWriter.key(lease.key()));
            update.setLong(4, lease.token());
            update.setLong(5, now);
            return update.executeUpdate() == 1;
        }
    }
}
