package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Moves a damaged record to {@code datastore4j_quarantine} as a conditional delete of its key, in one transaction: the
 * row is locked and its revision checked against the one found damaged (another process may have written a good
 * record since), then deleted through the {@link ConditionalWriter} — so the removal is a change in the feed, its
 * lease check and its order check included — and copied aside just before the commit, only if the delete happened.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given.
 */
final class Quarantine {
    private final String records;
    private final String quarantine;
    private final String shown;
    private final ConditionalWriter writer;

    Quarantine(String schema, String shown, ConditionalWriter writer) {
        this.records = PostgresSchema.table(schema, "datastore4j_records");
        this.quarantine = PostgresSchema.table(schema, "datastore4j_quarantine");
        this.shown = shown;
        this.writer = writer;
    }

    /** Moves {@code entry}'s record aside and commits; returns where it went, or why it stayed. */
    String move(Connection connection, Damaged entry) throws SQLException {
        String key = entry.key();
        Record found;
        try (PreparedStatement lock = connection.prepareStatement("SELECT k, rev, schema_version, checksum, value,"
                + " metadata FROM " + records + " WHERE ns = ? AND k = ? FOR UPDATE")) {
            lock.setString(1, entry.namespace());
            lock.setBytes(2, ConditionalWriter.key(key));
            try (ResultSet rows = lock.executeQuery()) {
                found = rows.next() ? PostgresBackend.record(rows, 1) : null;
            }
        }
        if (found == null) {
            connection.rollback();
            return "nothing: key '" + key + "' has no record any more";
        }
        if (entry.rev() != 0 && found.rev() != entry.rev()) {
            connection.rollback();
            return "nothing: key '" + key + "' was written since, it holds revision " + found.rev();
        }
        ConditionalWrite delete = ConditionalWrite.expecting(Mutation.delete(entry.namespace(), key), found.rev());
        ConditionalResult result;
        try {
            result = writer.write(connection, List.of(delete), true, false, () -> {
                try {
                    copyAside(connection, entry, found);
                } catch (SQLException e) {
                    throw new CopyFailed(e);
                }
            });
        } catch (CopyFailed e) {
            throw e.getCause();
        }
        if (!result.conflicts().isEmpty()) {
            return result.conflicts().get(0).fenced()
                    ? "nothing: key '" + key + "' is held by a live lease"
                    : "nothing: key '" + key + "' was written since";
        }
        return "table " + quarantine + " of " + shown;
    }

    /** Inside the delete's transaction: copies the record aside if the delete removed it. */
    private void copyAside(Connection connection, Damaged entry, Record found) throws SQLException {
        try (PreparedStatement copy = connection.prepareStatement("INSERT INTO " + quarantine
                + " (ns, k, rev, schema_version, checksum, value, metadata, problem)"
                + " SELECT ?, ?, ?, ?, ?, ?, NULLIF(?, ''::bytea), ? WHERE NOT EXISTS (SELECT 1 FROM " + records
                + " WHERE ns = ? AND k = ?)")) {
            byte[] key = ConditionalWriter.key(entry.key());
            copy.setString(1, entry.namespace());
            copy.setBytes(2, key);
            copy.setLong(3, found.rev());
            copy.setInt(4, found.schemaVersion());
            copy.setLong(5, found.checksum());
            copy.setBytes(6, found.value());
            copy.setBytes(7, found.metadata());
            copy.setString(8, entry.problem());
            copy.setString(9, entry.namespace());
            copy.setBytes(10, key);
            copy.executeUpdate();
        }
    }

    /** Carries the copy's failure out of the writer's commit hook, to fail (and roll back) the call as SQL. */
    private static final class CopyFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CopyFailed(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}
