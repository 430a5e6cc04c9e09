package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.Record;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the change feed: {@code datastore4j_changes (position, xid, …)}, one row per committed change, and {@code
 * datastore4j_commits (xid, horizon)}, one row per writing transaction.
 *
 * <p><b>Why a horizon.</b> Positions come from a sequence, taken before commit, so a transaction can commit after one
 * with a higher position; a reader that kept {@code position > last} would skip it. Each writing transaction therefore
 * records, in a statement after the one that took its positions, {@code horizon = pg_snapshot_xmax(
 * pg_current_snapshot())}: every transaction that could hold a smaller position was already running then (a
 * transaction has its xid before it takes a position: it modified a record first), so its xid is below the horizon. A
 * change is <em>safe</em> once the reader's {@code pg_snapshot_xmin(pg_current_snapshot())} is at or above its
 * transaction's horizon: every transaction below the horizon has ended, so no smaller position can still commit. A
 * page stops before the first change that is not safe yet, and {@code next} is the last change it returns: a reader
 * that continues from {@code next} never skips a change. The price: a change is delivered only once every
 * transaction that was running when it committed has ended — a long transaction anywhere on the server (xids are
 * server-wide) delays the feed, and never breaks it.
 *
 * <p>The rule needs nothing but the two tables, so it holds on any server that has {@code xid8} snapshots
 * (PostgreSQL 13 and later); {@code LISTEN/NOTIFY} is only the wake-up hint ({@link ChangeHints}).
 *
 * <p>Not done yet: the feed is never trimmed, and {@link #head} scans it.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given.
 */
final class ChangeFeed {
    private final String page;
    private final String head;

    ChangeFeed(String schema) {
        this.page = "SELECT c.position, c.ns, c.k, c.rev, c.schema_version, c.checksum, c.value, c.metadata,"
                + " t.horizon <= pg_snapshot_xmin(pg_current_snapshot()) FROM "
                + PostgresSchema.table(schema, "datastore4j_changes") + " c JOIN "
                + PostgresSchema.table(schema, "datastore4j_commits")
                + " t ON t.xid = c.xid WHERE c.position > ? ORDER BY c.position LIMIT ?";
        this.head = headQuery(schema);
    }

    /** The position below the first change that is not safe yet (0 if none), in one statement. */
    static String headQuery(String schema) {
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        return "WITH u AS (SELECT min(c.position) AS p FROM " + changes + " c JOIN "
                + PostgresSchema.table(schema, "datastore4j_commits")
                + " t ON t.xid = c.xid WHERE t.horizon > pg_snapshot_xmin(pg_current_snapshot()))"
                + " SELECT coalesce(max(c.position), 0) FROM " + changes
                + " c, u WHERE u.p IS NULL OR c.position < u.p";
    }

    ChangePage changesAfter(Connection connection, long position, int limit) throws SQLException {
        List<ChangePage.Change> changes = new ArrayList<>();
        long next = position;
        try (PreparedStatement statement = connection.prepareStatement(page)) {
            statement.setLong(1, position);
            statement.setInt(2, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next() && rows.getBoolean(9)) {
                    long at = rows.getLong(1);
                    String namespace = rows.getString(2);
                    Optional<Record> record =
                            rows.getBytes(7) == null ? Optional.empty() : Optional.of(PostgresBackend.record(rows, 3));
                    changes.add(new ChangePage.Change(at, namespace, PostgresBackend.keyOf(rows.getBytes(3)), record));
                    next = at;
                }
            }
        }
        connection.commit();
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
}
