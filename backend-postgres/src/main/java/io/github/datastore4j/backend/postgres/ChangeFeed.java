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
 * Reads the change feed: {@code datastore4j_changes (position, xid, …)}, one row per committed change, with the
 * {@code xid8} of the transaction that wrote it.
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
 * {@code next} is the last change returned, so a reader that continues from it never skips a change.
 *
 * <p>The price: a change is delivered once every transaction that started writing before it has ended — a long
 * writing transaction anywhere on the server (xids are server-wide) delays the feed, and never breaks it. The
 * advisory lock is held for microseconds per batch and is not portable to servers without advisory locks.
 * {@code LISTEN/NOTIFY} is only the wake-up hint ({@link ChangeHints}).
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
                + " c.xid < pg_snapshot_xmin(pg_current_snapshot()) FROM "
                + PostgresSchema.table(schema, "datastore4j_changes")
                + " c WHERE c.position > ? ORDER BY c.position LIMIT ?";
        this.head = headQuery(schema);
    }

    /** The position below the first change that is not safe yet (0 if none), in one statement. */
    private static String headQuery(String schema) {
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        return "WITH u AS (SELECT min(c.position) AS p FROM " + changes
                + " c WHERE c.xid >= pg_snapshot_xmin(pg_current_snapshot()))"
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
