package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.Lease;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Leases as rows of {@code datastore4j_leases (ns, k, holder, token, expires_at)}, timed by the server's clock
 * ({@code clock_timestamp()}), never by a client's. A row is never deleted: giving a lease back ends its time, so the
 * key's token keeps growing across every grant. A conditional write that carries a token locks the lease row {@code
 * FOR SHARE} in its own transaction ({@link ConditionalWriter}), so a lease cannot pass to another holder between the
 * check and the commit. Rows, not advisory locks, so that the rule holds on PostgreSQL-wire servers without them.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given and commits.
 */
final class Leases {
    private final String acquire;
    private final String renew;
    private final String release;

    Leases(String schema) {
        String leases = PostgresSchema.table(schema, "datastore4j_leases");
        String until = "clock_timestamp() + make_interval(secs => ?::double precision / 1000)";
        this.acquire = "INSERT INTO " + leases + " AS l (ns, k, holder, token, expires_at) VALUES (?, ?, ?, 1, " + until
                + ") ON CONFLICT (ns, k) DO UPDATE SET holder = EXCLUDED.holder, token = l.token + 1,"
                + " expires_at = EXCLUDED.expires_at WHERE l.expires_at <= clock_timestamp()"
                + " RETURNING token, expires_at";
        this.renew = "UPDATE " + leases + " SET expires_at = " + until
                + " WHERE ns = ? AND k = ? AND token = ? AND expires_at > clock_timestamp() RETURNING expires_at";
        this.release = "UPDATE " + leases + " SET expires_at = clock_timestamp()"
                + " WHERE ns = ? AND k = ? AND token = ? AND expires_at > clock_timestamp()";
    }

    Optional<Lease> acquire(Connection connection, String namespace, String key, String holder, Duration ttl)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(acquire)) {
            statement.setString(1, namespace);
            statement.setBytes(2, ConditionalWriter.key(key));
            statement.setString(3, holder);
            statement.setLong(4, ttl.toMillis());
            try (ResultSet rows = statement.executeQuery()) {
                Optional<Lease> lease = rows.next()
                        ? Optional.of(new Lease(
                                namespace,
                                key,
                                holder,
                                rows.getLong(1),
                                rows.getTimestamp(2).toInstant()))
                        : Optional.empty();
                connection.commit();
                return lease;
            }
        }
    }

    Optional<Lease> renew(Connection connection, Lease lease, Duration ttl) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(renew)) {
            statement.setLong(1, ttl.toMillis());
            statement.setString(2, lease.namespace());
            statement.setBytes(3, ConditionalWriter.key(lease.key()));
            statement.setLong(4, lease.token());
            try (ResultSet rows = statement.executeQuery()) {
                Optional<Lease> renewed = rows.next()
                        ? Optional.of(new Lease(
                                lease.namespace(),
                                lease.key(),
                                lease.holder(),
                                lease.token(),
                                rows.getTimestamp(1).toInstant()))
                        : Optional.empty();
                connection.commit();
                return renewed;
            }
        }
    }

    boolean release(Connection connection, Lease lease) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(release)) {
            statement.setString(1, lease.namespace());
            statement.setBytes(2, ConditionalWriter.key(lease.key()));
            statement.setLong(3, lease.token());
            boolean held = statement.executeUpdate() == 1;
            connection.commit();
            return held;
        }
    }
}
