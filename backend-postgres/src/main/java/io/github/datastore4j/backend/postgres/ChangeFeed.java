package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the change feed: {@code datastore4j_changes (position, xid, ns, …)}, one row per committed change, with the
 * {@code xid8} of the transaction that wrote it; and the {@linkplain #snapshot snapshot} a reader of one namespace
 * starts from.
 *
 * <p><b>Why not just {@code position > last}.</b> Positions come from a sequence, taken before commit, so a
 * transaction can commit after one with a higher position; a reader that kept {@code position > last} would skip it.
 * So every writing transaction takes its xid and its positions together, as the first thing it does, inside a short
 * critical section ({@code datastore4j_take_positions}: a session-level advisory lock taken and released around
 * {@code pg_current_xact_id()} and {@code nextval}, not held to commit). Position order is then xid order. A reader
 * takes {@code xmin = pg_snapshot_xmin(pg_current_snapshot())}: every transaction with a smaller xid has ended, and
 * every transaction still running has an xid of at least {@code xmin}. A page returns changes in position order and
 * stops before the first one whose xid is not below {@code xmin}. Every change before it is final: a transaction
 * still running that held a smaller position would have a smaller xid, below {@code xmin}, so it cannot be running.
 * {@code next} is the last change returned — or, when the page holds every change of its namespace up to the head
 * (computed in the same statement, so in the same snapshot), the head — so a reader that continues from it never
 * skips a change. And a key's changes have positions in the order they committed ({@link ConditionalWriter} locks
 * a batch's keys before it takes its positions), so a reader that applies the feed in position order never lays an
 * older state over a newer one.
 *
 * <p><b>One namespace's feed.</b> A page reads only the changes of its namespace ({@code ns = ?}, on the index
 * {@code (ns, position)}) with the same rule, and the argument above still holds for each change it returns: a
 * transaction that writes this namespace and has not committed is still running (or starts later), so its xid is
 * at least {@code xmin}, above the xid of every change returned, and its positions, taken in xid order, are above
 * theirs. So {@code next} never passes a position of this namespace that may still commit. A transaction writing
 * another namespace only matters in that its xid, too, may hold {@code xmin} back: a page of this namespace may wait
 * for it (never longer than it runs), but its changes never appear here, so skipping past its positions loses
 * nothing. Positions stay one sequence over every namespace: a namespace's feed has gaps where others wrote.
 *
 * <p><b>Snapshot.</b> One {@code REPEATABLE READ}, read-only transaction, so that every statement sees the same
 * instant S: the head {@code H} (the largest position below the first change visible in S whose xid is not below
 * S's {@code xmin}: by the argument above, every change at or before {@code H} committed before S and none is in
 * progress), the positions after {@code H} of this namespace's changes that S sees (they committed before S while a
 * smaller position was still open: {@code included}), and the namespace's records. A change after {@code H} that S
 * does not see is not in the records, and the feed from {@code H} delivers it later.
 *
 * <p>The price: a change is delivered once every transaction that started writing before it has ended — a long
 * writing transaction anywhere on the server (xids are server-wide) delays the feed, and never breaks it. The
 * advisory lock is held for microseconds per batch and is not portable to servers without advisory locks.
 * {@code LISTEN/NOTIFY} is only the wake-up hint ({@link ChangeHints}).
 *
 * <p><b>Trimmed.</b> {@link FeedSweep} drops superseded changes and old deletes; a page from a position before a
 * dropped delete of its namespace fails with {@link FeedTrimmedException}, decided in the page's own statement.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given, ends its
 * transaction, and leaves the connection as it found it ({@code READ COMMITTED}, read-write, without auto-commit).
 */
final class ChangeFeed {
    private final String page;
    private final String head;
    private final String headAndIncluded;
    private final String records;

    ChangeFeed(String schema) {
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        this.head = headQuery(schema);
        // the page and the head in one statement, so in one snapshot: see changesAfter
        String trimmed = PostgresSchema.table(schema, "datastore4j_feed_trimmed");
        // the namespace's trimmed position read in the page's statement: in its snapshot, with the changes it returns
        this.page = "WITH h(position) AS (" + head + "), t(below) AS (SELECT coalesce((SELECT below FROM " + trimmed
                + " WHERE ns = ?), 0)) SELECT c.position, c.k, c.rev, c.schema_version, c.checksum,"
                + " c.value, c.metadata, c.safe, h.position, t.below FROM h CROSS JOIN t LEFT JOIN LATERAL (SELECT c.*,"
                + " c.xid < pg_snapshot_xmin(pg_current_snapshot()) AS safe FROM " + changes
                + " c WHERE c.ns = ? AND c.position > ? ORDER BY c.position LIMIT ?) c ON true ORDER BY c.position";
        this.headAndIncluded = "WITH h(position) AS (" + head + ") SELECT h.position, ARRAY(SELECT c.position FROM "
                + changes + " c WHERE c.ns = ? AND c.position > h.position) FROM h";
        this.records = PostgresSchema.table(schema, "datastore4j_records");
    }

    /**
     * The position below the first change that is not safe yet (0 if none), in one statement: the index on {@code
     * xid} finds the few changes of transactions that may still be running, the primary key the largest position
     * below them.
     */
    static String headQuery(String schema) {
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        // a scalar bound (not "p IS NULL OR position < p") so the primary key serves the max backwards
        return "SELECT coalesce((SELECT max(c.position) FROM " + changes + " c WHERE c.position < coalesce((SELECT"
                + " min(u.position) FROM " + changes + " u WHERE u.xid >= pg_snapshot_xmin(pg_current_snapshot())), "
                + Long.MAX_VALUE + ")), 0)";
    }

    ChangePage changesAfter(Connection connection, String namespace, long position, int limit) throws SQLException {
        List<ChangePage.Change> changes = new ArrayList<>();
        long next = position;
        long head = 0;
        int read = 0;
        boolean held = false; // stopped before a change of this namespace that is not safe yet
        try (PreparedStatement statement = connection.prepareStatement(page)) {
            statement.setString(1, namespace);
            statement.setString(2, namespace);
            statement.setLong(3, position);
            statement.setInt(4, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    head = rows.getLong(9);
                    long below = rows.getLong(10);
                    if (position != 0 && position < below) {
                        throw new FeedTrimmedException(
                                "the change feed of namespace '" + namespace + "' no longer holds every change after "
                                        + position + ": the delete of a key at a position up to " + below
                                        + " was dropped from it (deleteRetention)",
                                position,
                                below);
                    }
                    if (rows.getObject(1) == null) {
                        break; // no change of this namespace after position: the row of the head alone
                    }
                    read++;
                    if (!rows.getBoolean(8)) {
                        held = true;
                        break;
                    }
                    long at = rows.getLong(1);
                    Optional<Record> record =
                            rows.getBytes(6) == null ? Optional.empty() : Optional.of(PostgresBackend.record(rows, 2));
                    changes.add(new ChangePage.Change(at, namespace, PostgresBackend.keyOf(rows.getBytes(2)), record));
                    next = at;
                }
            }
        }
        connection.commit();
        if (!held && read < limit) {
            // every change of this namespace up to the head was read: nothing of it at or before the head can still
            // commit, so the page may end there, past other namespaces' changes (a reader waiting for a head it read
            // elsewhere gets there)
            next = Math.max(next, head);
        }
        return new ChangePage(changes, next);
    }

    long head(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(head);
                ResultSet rows = statement.executeQuery()) {
            rows.next();
            long at = rows.getLong(1);
            connection.commit();
            return at;
        }
    }

    /**
     * The records of {@code namespace} and where its feed goes on, all read in one {@code REPEATABLE READ} snapshot.
     * Records are read as {@link PostgresBackend#scan} reads them, checksums unchecked: the engine decides.
     *
     * <p>{@code SET TRANSACTION} sets the isolation of this transaction only, so nothing on the connection needs
     * restoring: the commit, or the pool's rollback on a failure, ends it, and the next transaction is the
     * connection's {@code READ COMMITTED} again. It fails if a transaction is already under way, so a connection
     * handed back mid-transaction shows up as an error, not as a snapshot of the wrong instant.
     */
    SharedSnapshot snapshot(Connection connection, String namespace) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        }
        long position;
        Set<Long> included = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement(headAndIncluded)) {
            statement.setString(1, namespace);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                position = rows.getLong(1);
                Array positions = rows.getArray(2);
                for (Long at : (Long[]) positions.getArray()) {
                    included.add(at);
                }
                positions.free();
            }
        }
        List<Record> found = new ArrayList<>();
        PostgresBackend.scanOn(connection, records, namespace, found::add);
        connection.commit();
        return new SharedSnapshot(found, position, included);
    }
}
