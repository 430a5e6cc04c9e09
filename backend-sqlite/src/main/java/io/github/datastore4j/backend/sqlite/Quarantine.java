package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Moves a damaged record to {@code datastore4j_quarantine} as a conditional delete of its key, inside one write
 * transaction: only while the key still has the damaged revision and no live lease, and the removal is a change in
 * the feed, so that every other process drops the key too.
 *
 * <p><b>Concurrency contract.</b> Stateless; each call uses the write connection it is given (and its {@link
 * ConditionalWriter}) inside a transaction of {@link GroupCommitWriter}.
 */
final class Quarantine {
    private Quarantine() {}

    /** Moves {@code entry}'s record aside; where it went, or why it stayed. */
    static String move(Connection connection, ConditionalWriter writer, Damaged entry, String shown)
            throws SQLException {
        String key = entry.key();
        Optional<Record> found = ConditionalWriter.read(connection, entry.namespace(), key);
        if (found.isEmpty()) {
            return "nothing: key '" + key + "' has no record any more";
        }
        Record record = found.get();
        if (entry.rev() != 0 && record.rev() != entry.rev()) {
            return "nothing: key '" + key + "' was written since, it holds revision " + record.rev();
        }
        long now = System.currentTimeMillis();
        if (!Leases.admits(connection, entry.namespace(), key, ConditionalWrite.NO_FENCE, now)) {
            return "nothing: key '" + key + "' is held by a live lease";
        }
        try (PreparedStatement copy = connection.prepareStatement("INSERT INTO datastore4j_quarantine (ns, k, rev,"
                + " schema_version, checksum, value, metadata, problem, quarantined_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            copy.setString(1, entry.namespace());
            copy.setBytes(2, ConditionalWriter.key(key));
            copy.setLong(3, record.rev());
            copy.setInt(4, record.schemaVersion());
            copy.setLong(5, record.checksum());
            copy.setBytes(6, record.value());
            copy.setBytes(7, record.hasMetadata() ? record.metadata() : null);
            copy.setString(8, entry.problem());
            copy.setLong(9, now);
            copy.executeUpdate();
        }
        writer.apply(Mutation.delete(entry.namespace(), key), true, now);
        return "table datastore4j_quarantine of " + shown;
    }
}
