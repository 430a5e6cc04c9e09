package io.github.datastore4j.backend.postgres;

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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the writes of a batch whose conditions hold, in one transaction, with their changes in the feed.
 *
 * <p>The whole batch travels as arrays in <b>one statement</b>. It first locks its keys and takes the transaction's
 * xid and a position per write ({@code datastore4j_begin_batch}, see below and {@link ChangeFeed}); then locks the
 * live leases of the keys it writes ({@code FOR SHARE}, so a lease cannot change hands before this transaction ends)
 * — a write carrying a token needs its lease live, a write without one needs no live lease on its key; updates where
 * the revision is the expected one ({@code READ COMMITTED} re-checks the condition on the newest version of a row
 * another transaction just changed); inserts where the key must be absent ({@code ON CONFLICT DO NOTHING}: a
 * concurrent insert makes it a conflict, not an error); upserts and deletes; appends a change row per applied write;
 * and, if anything changed, sends one payload-free {@code NOTIFY}. Then {@code COMMIT}: two round trips per batch,
 * whatever its size, and a third in the same transaction, before the commit, to read the current records of the
 * writes that did not hold (a new statement sees what committed since the first one started).
 *
 * <p><b>A key's changes are in the feed in the order they committed.</b> Positions are taken before commit, so a
 * write that took its positions could otherwise meet a row lock (a delete of a row another transaction holds, an
 * insert of a key being deleted) while a write of the same key that took a later position commits; its condition
 * may still hold afterwards, and it would commit under the smaller position: a reader applying the feed in position
 * order would lay the older state over the newer one. So a batch first takes a transaction-level advisory lock on
 * each bucket of its keys ({@link PostgresSchema#KEY_BUCKETS} buckets, locked in bucket order: no cycle between two
 * batches) and only then its positions: the writes of one key take their positions in the order they commit. (The
 * first release retried the loser of that race instead; under contention a batch could lose it ten times running and
 * fail — eight threads writing the same six keys did.) The statement still asks {@code datastore4j_check_order}, one
 * index probe per change, whether a later position of one of its keys has committed — it cannot among writers of
 * this release, but a process of an older release, still running during an upgrade, takes no bucket locks — and if
 * one has, it fails with {@link #OUT_OF_ORDER}, and the batch is rolled back and written again with new positions.
 * Rows are locked in one order too, (namespace, key bytes).
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given.
 */
final class ConditionalWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ConditionalWriter.class);
    /** The SQLState {@code datastore4j_check_order} raises: a later position of a key of the batch committed first. */
    static final String OUT_OF_ORDER = "40D4J";
    /**
     * The failures after which the server has rolled the whole transaction back, so that writing the batch again
     * cannot apply anything twice: out of order (only beside writers of an older release), {@code
     * deadlock_detected} (not between two batches, which lock their key buckets in one order first, but possible
     * with other transactions on the same rows) and {@code serialization_failure}.
     */
    private static final Set<String> RETRIED = Set.of(OUT_OF_ORDER, "40P01", "40001");
    /** How often a batch is written again before such a failure is the caller's. */
    static final int MAX_ATTEMPTS = 10;

    private final String main;
    private final String finish;
    /** The change feed, whose head a batch that committed no change reports as its position. */
    private final ChangeFeed changeFeed;

    private final String records;

    ConditionalWriter(String schema, String channel, ChangeFeed changeFeed) {
        this.changeFeed = changeFeed;
        String records = PostgresSchema.table(schema, "datastore4j_records");
        this.records = records;
        String leases = PostgresSchema.table(schema, "datastore4j_leases");
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        String begin = PostgresSchema.table(schema, "datastore4j_begin_batch");
        String order = PostgresSchema.table(schema, "datastore4j_check_order");
        String columns = "ns, k, rev, schema_version, checksum, value, metadata";
        String values = "ns, k, rev, sv, checksum, val, NULLIF(meta, ''::bytea)";
        // the keys' locks, then the positions (and the xid), before anything else: every other CTE reads input first
        this.main = "WITH input AS (SELECT i.*, p.last - ? + 1 + i.idx AS position FROM (SELECT " + begin
                + "(?, ?, ?::varchar[], ?::bytea[]) AS last) p, unnest(?::int[], ?::varchar[], ?::bytea[], ?::boolean[], ?::bigint[],"
                + " ?::bigint[], ?::bigint[], ?::int[], ?::bigint[], ?::bytea[], ?::bytea[])"
                + " AS i(idx, ns, k, put, expected, fence, rev, sv, checksum, val, meta)),"
                + " live AS (SELECT l.ns, l.k, l.token FROM " + leases + " l JOIN input i ON l.ns = i.ns AND l.k = i.k"
                + " WHERE l.expires_at > clock_timestamp() FOR SHARE OF l),"
                + " ok AS (SELECT i.* FROM input i WHERE CASE WHEN i.fence = 0 THEN NOT EXISTS (SELECT 1 FROM live l"
                + " WHERE l.ns = i.ns AND l.k = i.k) ELSE EXISTS (SELECT 1 FROM live l WHERE l.ns = i.ns"
                + " AND l.k = i.k AND l.token = i.fence) END),"
                + " upd AS (UPDATE " + records + " r SET rev = o.rev, schema_version = o.sv, checksum = o.checksum,"
                + " value = o.val, metadata = NULLIF(o.meta, ''::bytea) FROM ok o WHERE o.put AND o.expected > 0"
                + " AND r.ns = o.ns AND r.k = o.k AND r.rev = o.expected RETURNING o.idx),"
                + " fresh AS (INSERT INTO " + records + " (" + columns + ") SELECT " + values + " FROM ok"
                + " WHERE put AND expected = 0 ON CONFLICT (ns, k) DO NOTHING RETURNING ns, k),"
                + " ups AS (INSERT INTO " + records + " (" + columns + ") SELECT " + values + " FROM ok"
                + " WHERE put AND expected = -1 ON CONFLICT (ns, k) DO UPDATE SET rev = EXCLUDED.rev,"
                + " schema_version = EXCLUDED.schema_version, checksum = EXCLUDED.checksum, value = EXCLUDED.value,"
                + " metadata = EXCLUDED.metadata RETURNING ns, k),"
                + " del AS (DELETE FROM " + records + " r USING ok o WHERE NOT o.put AND o.expected <> 0"
                + " AND r.ns = o.ns AND r.k = o.k AND (o.expected = -1 OR r.rev = o.expected) RETURNING o.idx),"
                + " changed AS (SELECT idx FROM upd UNION ALL SELECT idx FROM del"
                + " UNION ALL SELECT o.idx FROM fresh f JOIN ok o ON o.ns = f.ns AND o.k = f.k AND o.expected = 0"
                + " UNION ALL SELECT o.idx FROM ups u JOIN ok o ON o.ns = u.ns AND o.k = u.k AND o.expected = -1),"
                + " feed AS (INSERT INTO " + changes + " (position, xid, " + columns + ")"
                + " SELECT o.position, pg_current_xact_id(), o.ns, o.k,"
                + " CASE WHEN o.put THEN o.rev END, CASE WHEN o.put THEN o.sv END,"
                + " CASE WHEN o.put THEN o.checksum END, CASE WHEN o.put THEN o.val END,"
                + " CASE WHEN o.put THEN NULLIF(o.meta, ''::bytea) END FROM ok o JOIN changed c ON c.idx = o.idx"
                + " WHERE ? RETURNING position),"
                + " ordered AS (SELECT " + order + "(array_agg(o.ns), array_agg(o.k), array_agg(o.position)) AS checked"
                + " FROM ok o JOIN changed c ON c.idx = o.idx WHERE ?),"
                + " hint AS (SELECT pg_notify('" + channel + "', '') FROM (SELECT 1 FROM feed LIMIT 1) f)"
                + " SELECT i.idx, c.idx IS NOT NULL, EXISTS (SELECT 1 FROM ok WHERE ok.idx = i.idx),"
                + " (SELECT max(position) FROM feed), (SELECT count(*) FROM hint), (SELECT count(*) FROM ordered),"
                + " i.position"
                + " FROM input i LEFT JOIN changed c ON c.idx = i.idx ORDER BY i.idx";
        this.finish = "SELECT w.ns, r.k, r.rev, r.schema_version, r.checksum, r.value, r.metadata"
                + " FROM unnest(?::varchar[], ?::bytea[]) AS w(ns, k) LEFT JOIN " + records
                + " r ON r.ns = w.ns AND r.k = w.k";
    }

    /**
     * Applies {@code batch} on {@code connection} and commits; at most one write per key (checked by the caller).
     *
     * @param feed whether to record the changes in the feed (a backend that holds the store alone has no reader
     *     for them: its feed would only grow)
     * @param allOrNothing for an unconditional batch ({@code Backend#write}): a fenced write rolls the whole batch
     *     back and throws {@link ConditionalWrite#leased} instead of committing the others
     * @param beforeCommit run after the positions were taken and the rows written, just before {@code COMMIT}: tests
     *     hold a transaction open there
     */
    ConditionalResult write(
            Connection connection,
            List<ConditionalWrite> batch,
            boolean feed,
            boolean allOrNothing,
            Runnable beforeCommit)
            throws SQLException {
        // every batch locks its rows in one order, (namespace, key bytes), so two batches of the same keys do not
        // deadlock; the result is mapped back to the caller's order
        Integer[] order = new Integer[batch.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.comparing((Integer i) -> batch.get(i).mutation().namespace())
                        .thenComparing(
                                (Integer i) -> key(batch.get(i).mutation().key()), Arrays::compareUnsigned));
        List<ConditionalWrite> sorted = new ArrayList<>(batch.size());
        for (Integer i : order) {
            sorted.add(batch.get(i));
        }
        ConditionalResult result = writeInOrder(connection, sorted, feed, allOrNothing, beforeCommit);
        List<ConditionalResult.Conflict> conflicts = new ArrayList<>();
        for (ConditionalResult.Conflict conflict : result.conflicts()) {
            conflicts.add(new ConditionalResult.Conflict(order[conflict.index()], conflict.found(), conflict.fenced()));
        }
        conflicts.sort(Comparator.comparingInt(ConditionalResult.Conflict::index));
        Long[] positions = new Long[order.length];
        for (int s = 0; s < order.length; s++) {
            positions[order[s]] = result.positions().get(s);
        }
        return new ConditionalResult(conflicts, result.position(), Arrays.asList(positions));
    }

    private ConditionalResult writeInOrder(
            Connection connection,
            List<ConditionalWrite> batch,
            boolean feed,
            boolean allOrNothing,
            Runnable beforeCommit)
            throws SQLException {
        int size = batch.size();
        Integer[] idx = new Integer[size];
        String[] ns = new String[size];
        byte[][] keys = new byte[size][];
        Boolean[] put = new Boolean[size];
        Long[] expected = new Long[size];
        Long[] fence = new Long[size];
        Long[] rev = new Long[size];
        Integer[] schemaVersion = new Integer[size];
        Long[] checksum = new Long[size];
        byte[][] value = new byte[size][];
        byte[][] metadata = new byte[size][];
        for (int i = 0; i < size; i++) {
            ConditionalWrite write = batch.get(i);
            Mutation mutation = write.mutation();
            idx[i] = i;
            ns[i] = mutation.namespace();
            keys[i] = key(mutation.key());
            expected[i] = write.expectedRev();
            fence[i] = write.fencingToken();
            if (mutation instanceof Mutation.Put) {
                Record record = ((Mutation.Put) mutation).record();
                put[i] = true;
                rev[i] = record.rev();
                schemaVersion[i] = record.schemaVersion();
                checksum[i] = record.checksum();
                value[i] = record.value();
                metadata[i] = record.metadata();
            } else {
                put[i] = false;
                rev[i] = 0L;
                schemaVersion[i] = 0;
                checksum[i] = 0L;
                value[i] = new byte[0];
                metadata[i] = new byte[0];
            }
        }
        boolean[] changed = new boolean[size];
        boolean[] fenceHeld = new boolean[size];
        long[] taken = new long[size];
        long last = 0;
        Object[][] arrays = {idx, ns, keys, put, expected, fence, rev, schemaVersion, checksum, value, metadata};
        for (int attempt = 1; ; attempt++) {
            try (PreparedStatement statement = connection.prepareStatement(main)) {
                String[] types = {
                    "int4", "varchar", "bytea", "bool", "int8", "int8", "int8", "int4", "int8", "bytea", "bytea"
                };
                statement.setInt(1, size);
                statement.setInt(2, size);
                statement.setBoolean(3, feed);
                statement.setArray(4, connection.createArrayOf("varchar", ns));
                statement.setArray(5, connection.createArrayOf("bytea", keys));
                for (int p = 0; p < arrays.length; p++) {
                    statement.setArray(p + 6, connection.createArrayOf(types[p], arrays[p]));
                }
                statement.setBoolean(arrays.length + 6, feed);
                statement.setBoolean(arrays.length + 7, feed);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        int i = rows.getInt(1);
                        changed[i] = rows.getBoolean(2);
                        fenceHeld[i] = rows.getBoolean(3);
                        last = Math.max(last, rows.getLong(4));
                        taken[i] = rows.getLong(7);
                    }
                }
                break;
            } catch (SQLException e) {
                if (!RETRIED.contains(String.valueOf(e.getSQLState())) || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                connection.rollback(); // nothing of it stays: again, with new positions
                LOG.debug(
                        "{}; writing the batch again (attempt {})",
                        OUT_OF_ORDER.equals(e.getSQLState())
                                ? "a later write of a key committed first"
                                : "the server rolled the batch back (" + e.getSQLState() + ", " + e.getMessage() + ")",
                        attempt + 1);
            }
        }
        List<Integer> unsettled = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            boolean deleteOfAny = !put[i] && expected[i] == ConditionalWrite.ANY_REV;
            if (fenceHeld[i] && !changed[i] && !deleteOfAny) {
                unsettled.add(i); // a stale revision, or a delete expecting no record: the current record decides
            }
        }
        if (allOrNothing) {
            for (int i = 0; i < size; i++) {
                if (!fenceHeld[i]) {
                    connection.rollback();
                    throw ConditionalWrite.leased(batch.get(i), size);
                }
            }
        }
        Map<Integer, Optional<Record>> found = readCurrent(connection, batch, unsettled);
        beforeCommit.run();
        connection.commit();
        List<ConditionalResult.Conflict> conflicts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (!fenceHeld[i]) {
                conflicts.add(new ConditionalResult.Conflict(i, current(connection, batch.get(i)), true));
            } else if (found.containsKey(i)) {
                Optional<Record> record = found.get(i);
                boolean deleteOfAbsent = !put[i] && expected[i] == ConditionalWrite.ABSENT && record.isEmpty();
                if (!deleteOfAbsent) {
                    conflicts.add(new ConditionalResult.Conflict(i, record, false));
                }
            }
        }
        if (last == 0 && feed) {
            last = changeFeed.head(connection);
        }
        List<Long> positions = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            positions.add(changed[i] && feed ? taken[i] : 0L);
        }
        return new ConditionalResult(conflicts, last, positions);
    }

    /** Reads the current records of {@code unsettled}, in the same transaction (a new statement sees every commit). */
    private Map<Integer, Optional<Record>> readCurrent(
            Connection connection, List<ConditionalWrite> batch, List<Integer> unsettled) throws SQLException {
        Map<Integer, Optional<Record>> found = new HashMap<>();
        if (unsettled.isEmpty()) {
            return found;
        }
        String[] ns = new String[unsettled.size()];
        byte[][] keys = new byte[unsettled.size()][];
        Map<String, Integer> byKey = new HashMap<>();
        for (int u = 0; u < unsettled.size(); u++) {
            Mutation mutation = batch.get(unsettled.get(u)).mutation();
            ns[u] = mutation.namespace();
            keys[u] = key(mutation.key());
            byKey.put(mutation.namespace() + '\0' + mutation.key(), unsettled.get(u));
            found.put(unsettled.get(u), Optional.empty());
        }
        try (PreparedStatement statement = connection.prepareStatement(finish)) {
            statement.setArray(1, connection.createArrayOf("varchar", ns));
            statement.setArray(2, connection.createArrayOf("bytea", keys));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if (rows.getBytes(2) != null) {
                        Record record = PostgresBackend.record(rows, 2);
                        found.put(byKey.get(rows.getString(1) + '\0' + record.key()), Optional.of(record));
                    }
                }
            }
        }
        return found;
    }

    /** The record a fenced write found, for its conflict (read after the commit: retrying cannot help it anyway). */
    private Optional<Record> current(Connection connection, ConditionalWrite write) throws SQLException {
        Optional<Record> found = PostgresBackend.readOn(
                connection,
                records,
                write.mutation().namespace(),
                write.mutation().key());
        connection.commit();
        return found;
    }

    /** A key as stored: its UTF-8 bytes (valid keys have no unpaired surrogate, so this is lossless). */
    static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
