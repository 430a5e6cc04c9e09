package io.github.datastore4j.backend.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The prepared statements of one connection, kept for reuse: the driver reads every column's name each time a
 * statement is prepared, which cost a durable write more than the SQL it runs. SQLite re-prepares a kept statement by
 * itself if the schema changed. A result set of a kept statement must be closed before the statement runs again; the
 * statements are finalized when the connection closes. After a failure the owner {@linkplain #clear clears} the
 * cache: the driver finalizes a statement whose step failed (a full disk, an I/O error) without marking it closed.
 *
 * <p><b>Concurrency contract.</b> Not thread-safe: used by whoever holds the connection, one thread at a time.
 */
final class StatementCache {
    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    StatementCache(Connection connection) {
        this.connection = connection;
    }

    /** {@code sql} prepared on the connection, once. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = prepared.get(sql);
        if (statement == null || statement.isClosed()) {
            statement = connection.prepareStatement(sql);
            prepared.put(sql, statement);
        }
        return statement;
    }

    /** Closes and forgets every kept statement; the next {@link #prepare} prepares afresh. */
    void clear() {
        for (PreparedStatement statement : prepared.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                // finalized already: nothing is left to release
            }
        }
        prepared.clear();
    }
}
