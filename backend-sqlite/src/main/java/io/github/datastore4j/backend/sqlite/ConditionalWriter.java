package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The transaction body of a conditional batch, run on the write connection inside {@link GroupCommitWriter}'s
 * {@code BEGIN IMMEDIATE} transaction: SQLite lets no other writer in until it commits, so what each write reads (its
 * record, its lease) cannot change before the commit, and the positions it takes are in commit order.
 *
 * <p>For each write: its key's live lease is checked against its fencing token (with this machine's clock, the one
 * clock every process of the store reads); then its revision; then it is applied, with a change row in the feed.
 *
 * <p>Each write reads its record and its key's live lease in one statement; the statements stay prepared ({@link
 * StatementCache}).
 *
 * <p><b>Concurrency contract.</b> Not thread-safe: one per write connection, used inside its transactions only
 * ({@link GroupCommitWriter} runs one body at a time).
 */
final class ConditionalWriter {
    private static final String COLUMNS = "k, rev, schema_version, checksum, value, metadata";
    /** A key's record (its columns null if none) and the token of its live lease (null if none), in one row. */
    private static final String FIND = "SELECT r.k, r.rev, r.schema_version, r.checksum, r.value, r.metadata, l.token"
            + " FROM (SELECT ? AS ns, ? AS k) w LEFT JOIN datastore4j_records r ON r.ns = w.ns AND r.k = w.k"
            + " LEFT JOIN datastore4j_leases l ON l.ns = w.ns AND l.k = w.k AND l.expires_at > ?";

    private static final String UPSERT =
            "INSERT OR REPLACE INTO datastore4j_records (ns, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
    private static final String PUT_CHANGE =
            "INSERT INTO datastore4j_changes (ns, " + COLUMNS + ", committed_at)" + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM datastore4j_records WHERE ns = ? AND k = ?";
    private static final String DELETE_CHANGE =
            "INSERT INTO datastore4j_changes (ns, k, committed_at) VALUES (?, ?, ?)";
    /**
     * The position just taken. (Not {@code INSERT … RETURNING}: when its step fails, on a full disk, the driver reports
     * a result set that is not executing instead of SQLite's error.)
     */
    private static final String POSITION = "SELECT last_insert_rowid()";

    /** The write connection's statements ({@link GroupCommitWriter#statements()}). */
    private final StatementCache statements;

    ConditionalWriter(StatementCache statements) {
        this.statements = statements;
    }

    /**
     * Applies the writes of {@code batch} whose conditions hold; {@code fenced} false skips the lease check (an
     * unconditional {@link io.github.datastore4j.api.spi.Backend#write}).
     */
    ConditionalResult write(List<ConditionalWrite> batch, boolean fenced) throws SQLException {
        long now = System.currentTimeMillis();
        List<ConditionalResult.Conflict> conflicts = new ArrayList<>();
        List<Long> positions = new ArrayList<>(batch.size());
        long last = 0;
        PreparedStatement find = statements.prepare(FIND);
        for (int i = 0; i < batch.size(); i++) {
            ConditionalWrite write = batch.get(i);
            Mutation mutation = write.mutation();
            find.setString(1, mutation.namespace());
            find.setBytes(2, key(mutation.key()));
            find.setLong(3, now);
            Optional<Record> found;
            long lease;
            try (ResultSet rows = find.executeQuery()) {
                rows.next();
                found = rows.getBytes(1) == null ? Optional.empty() : Optional.of(record(rows, 1));
                lease = rows.getLong(7);
                if (rows.wasNull()) {
                    lease = ConditionalWrite.NO_FENCE;
                }
            }
            if (fenced && lease != write.fencingToken()) { // no live lease: only an unfenced write; else its token
                conflicts.add(new ConditionalResult.Conflict(i, found, true));
                positions.add(0L);
                continue;
            }
            long expected = write.expectedRev();
            boolean holds = expected == ConditionalWrite.ANY_REV
                    || (expected == ConditionalWrite.ABSENT
                            ? found.isEmpty()
                            : found.isPresent() && found.get().rev() == expected);
            if (!holds) {
                conflicts.add(new ConditionalResult.Conflict(i, found, false));
                positions.add(0L);
                continue;
            }
            long position = apply(mutation, found.isPresent(), now);
            positions.add(position);
            last = Math.max(last, position);
        }
        if (last == 0) {
            last = ChangeFeed.head(statements.prepare(ChangeFeed.HEAD));
        }
        return new ConditionalResult(conflicts, last, positions);
    }

    /** Applies {@code mutation} and appends its change; its position, or 0 for a delete of nothing. */
    long apply(Mutation mutation, boolean exists, long now) throws SQLException {
        byte[] key = key(mutation.key());
        PreparedStatement change;
        if (mutation instanceof Mutation.Put put) {
            Record record = put.record();
            PreparedStatement upsert = statements.prepare(UPSERT);
            bind(upsert, put.namespace(), key, record);
            upsert.executeUpdate();
            change = statements.prepare(PUT_CHANGE);
            bind(change, put.namespace(), key, record);
            change.setLong(8, now);
        } else {
            if (!exists) {
                return 0;
            }
            PreparedStatement delete = statements.prepare(DELETE);
            delete.setString(1, mutation.namespace());
            delete.setBytes(2, key);
            delete.executeUpdate();
            change = statements.prepare(DELETE_CHANGE);
            change.setString(1, mutation.namespace());
            change.setBytes(2, key);
            change.setLong(3, now);
        }
        change.executeUpdate();
        try (ResultSet rows = statements.prepare(POSITION).executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void bind(PreparedStatement statement, String namespace, byte[] key, Record record)
            throws SQLException {
        statement.setString(1, namespace);
        statement.setBytes(2, key);
        statement.setLong(3, record.rev());
        statement.setInt(4, record.schemaVersion());
        statement.setLong(5, record.checksum());
        statement.setBytes(6, record.value());
        if (record.hasMetadata()) {
            statement.setBytes(7, record.metadata());
        } else {
            statement.setNull(7, java.sql.Types.BLOB);
        }
    }

    /** The record of {@code key}, as the connection's transaction sees it. */
    static Optional<Record> read(Connection connection, String namespace, String key) throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT " + COLUMNS + " FROM datastore4j_records WHERE ns = ? AND k = ?")) {
            select.setString(1, namespace);
            select.setBytes(2, key(key));
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(record(rows, 1)) : Optional.empty();
            }
        }
    }

    /** The record in the six columns from {@code first}: k, rev, schema_version, checksum, value, metadata. */
    static Record record(ResultSet rows, int first) throws SQLException {
        byte[] metadata = rows.getBytes(first + 5);
        byte[] value = rows.getBytes(first + 4);
        return new Record(
                keyOf(rows.getBytes(first)),
                rows.getLong(first + 1),
                rows.getInt(first + 2),
                rows.getLong(first + 3),
                value == null ? new byte[0] : value,
                metadata == null ? new byte[0] : metadata);
    }

    /** A key as stored: its UTF-8 bytes (valid keys have no unpaired surrogate, so this is lossless). */
    static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    static String keyOf(byte[] stored) {
        return new String(stored, StandardCharsets.UTF_8);
    }
}
