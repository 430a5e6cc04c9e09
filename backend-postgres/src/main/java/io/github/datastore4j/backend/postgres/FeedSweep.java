package io.github.datastore4j.backend.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Trims the change feed by {@link io.github.datastore4j.api.spi.SharedBackend}'s rules, in short batches.
 *
 * <p>Two cursors walk {@code datastore4j_changes} in position order, each no further than the feed's head (so never
 * past a position that may still commit) and no further than the first change younger than its retention ({@link
 * FeedRetention}). The first drops, for each change it passes, the older changes of the same key: each key keeps its
 * latest change, and the changes of the last {@code feedRetention}. The second drops each change it passes that is
 * the delete of a key not written since (never the feed's last change, whose position is the head a restarted feed
 * continues from), and raises its namespace's {@code below} in {@code datastore4j_feed_trimmed}: {@link ChangeFeed}
 * then refuses a reader from a position before it. The cursors are in {@code datastore4j_feed_sweep}, shared by every
 * process, so the work is done once.
 *
 * <p><b>Short transactions.</b> A transaction that deletes rows has an xid, and while it runs it holds back every
 * reader's {@code xmin} — the feed's head ({@link ChangeFeed}) waits for it. So each batch of at most {@link #BATCH}
 * changes is a transaction of its own, of a few milliseconds, and a process that finds another one sweeping (a
 * transaction-level advisory lock, tried, never waited for) leaves the batch to it. A sweep never waits for a row lock:
 * writers insert changes and never update or delete them, and only one sweep runs at a time.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe; each call uses the connection it is given and commits.
 */
final class FeedSweep {
    /** Changes a batch looks at, at most. */
    static final int BATCH = 1_000;

    private static final String SUPERSEDED = "superseded";
    private static final String DELETES = "deletes";

    private final String schema;
    private final String superseded;
    private final String deletes;
    private final String readCursor;
    private final String saveCursor;
    private final FeedRetention retention;

    /** What one batch did. */
    record Batch(boolean more, int dropped) {}

    FeedSweep(String schema, FeedRetention retention) {
        this.schema = schema;
        this.retention = retention;
        String changes = PostgresSchema.table(schema, "datastore4j_changes");
        String trimmed = PostgresSchema.table(schema, "datastore4j_feed_trimmed");
        String cursors = PostgresSchema.table(schema, "datastore4j_feed_sweep");
        // the changes after the cursor, up to the head, and of them those before the first one not old enough
        String passed = "WITH h(p) AS (" + ChangeFeed.headQuery(schema) + "),"
                + " batch AS (SELECT c.position, c.ns, c.k, c.committed_at FROM " + changes + " c"
                + " WHERE c.position > ? AND c.position <= (SELECT p FROM h) ORDER BY c.position LIMIT ?),"
                + " young AS (SELECT min(position) AS p FROM batch"
                + " WHERE committed_at > now() - ? * interval '1 millisecond'),"
                + " done AS (SELECT * FROM batch WHERE position < coalesce((SELECT p FROM young), "
                + Long.MAX_VALUE + ")),";
        this.superseded = passed
                + " gone AS (DELETE FROM " + changes + " c USING done d WHERE c.ns = d.ns AND c.k = d.k"
                + " AND c.position < d.position RETURNING c.position)"
                + " SELECT (SELECT max(position) FROM done), (SELECT count(*) FROM gone), (SELECT count(*) FROM batch)";
        this.deletes = passed
                + " gone AS (DELETE FROM " + changes + " c USING done d WHERE c.position = d.position"
                + " AND c.value IS NULL AND c.position < (SELECT max(position) FROM " + changes + ")"
                + " AND NOT EXISTS (SELECT 1 FROM " + changes + " n WHERE n.ns = c.ns AND n.k = c.k"
                + " AND n.position > c.position) RETURNING c.ns, c.position),"
                + " raised AS (INSERT INTO " + trimmed + " (ns, below) SELECT ns, max(position) FROM gone GROUP BY ns"
                + " ON CONFLICT (ns) DO UPDATE SET below = greatest(" + trimmed + ".below, EXCLUDED.below)"
                + " RETURNING 1)"
                + " SELECT (SELECT max(position) FROM done), (SELECT count(*) FROM gone), (SELECT count(*) FROM batch),"
                + " (SELECT count(*) FROM raised)";
        this.readCursor = "SELECT coalesce((SELECT position FROM " + cursors + " WHERE name = ?), 0)";
        this.saveCursor = "INSERT INTO " + cursors + " (name, position) VALUES (?, ?) ON CONFLICT (name)"
                + " DO UPDATE SET position = greatest(" + cursors + ".position, EXCLUDED.position)";
    }

    /**
     * One batch of each cursor, each in a transaction of its own; {@code more} if either has more to do now.
     *
     * @param wait whether to wait for another sweep to end its batch (else leave the batch to it)
     */
    Batch run(Connection connection, boolean wait) throws SQLException {
        Batch first = batch(connection, wait, SUPERSEDED, superseded, retention.superseded());
        Batch second = batch(connection, wait, DELETES, deletes, retention.deletes());
        return new Batch(first.more() || second.more(), first.dropped() + second.dropped());
    }

    private Batch batch(Connection connection, boolean wait, String cursor, String statement, Duration age)
            throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT "
                + (wait ? "true, pg_advisory_xact_lock" : "pg_try_advisory_xact_lock") + "(hashtextextended(?, 0))")) {
            lock.setString(1, "datastore4j.sweep:" + schema);
            try (ResultSet rows = lock.executeQuery()) {
                rows.next();
                if (!rows.getBoolean(1)) {
                    connection.rollback();
                    return new Batch(false, 0); // another process is sweeping
                }
            }
        }
        long from;
        try (PreparedStatement read = connection.prepareStatement(readCursor)) {
            read.setString(1, cursor);
            try (ResultSet rows = read.executeQuery()) {
                rows.next();
                from = rows.getLong(1);
            }
        }
        long reached;
        int dropped;
        int looked;
        try (PreparedStatement sweep = connection.prepareStatement(statement)) {
            sweep.setLong(1, from);
            sweep.setInt(2, BATCH);
            sweep.setLong(3, age.toMillis());
            try (ResultSet rows = sweep.executeQuery()) {
                rows.next();
                reached = rows.getLong(1);
                dropped = rows.getInt(2);
                looked = rows.getInt(3);
            }
        }
        if (reached > from) {
            try (PreparedStatement save = connection.prepareStatement(saveCursor)) {
                save.setString(1, cursor);
                save.setLong(2, reached);
                save.executeUpdate();
            }
        }
        connection.commit();
        // more now only if the whole batch was old enough: else the cursor waits for the changes to age
        return new Batch(looked == BATCH && reached > from, dropped);
    }
}
