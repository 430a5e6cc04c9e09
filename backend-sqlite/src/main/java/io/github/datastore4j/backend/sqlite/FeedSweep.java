package io.github.datastore4j.backend.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Trims the change feed by {@link io.github.datastore4j.api.spi.SharedBackend}'s rules, in short batches, each a
 * piece of work of {@link GroupCommitWriter} (so it holds the write lock for one batch only).
 *
 * <p>Two cursors walk {@code datastore4j_changes} forward in position order, each no further than the first change
 * younger than its retention ({@link FeedRetention}), as {@code postgres:}'s sweep does. The first drops, for each
 * change it passes, the older changes of the same key (on the index {@code (ns, k, position)}): each key keeps its
 * latest change and the changes of the last {@code feedRetention}. The second drops each change it passes that is the
 * delete of a key not written since — never the feed's last change — and raises its namespace's {@code below} in
 * {@code datastore4j_feed_trimmed}, so a reader from an earlier position is refused ({@link ChangeFeed}). Walking
 * forward, a batch reads only changes it has not seen; the cursors live in this process's memory, so each process
 * walks the feed once after it opens and then keeps up with it.
 *
 * <p><b>Concurrency contract.</b> Not thread-safe: {@link #run} is called on the writer thread only.
 */
final class FeedSweep {
    /** Changes one batch passes, at most, per rule. */
    static final int BATCH = 1_000;

    private final FeedRetention retention;
    private long superseded;
    private long deletes;

    /** What a batch did: how many changes it dropped, and whether a cursor stopped at the batch's size. */
    record Batch(int dropped, boolean more) {}

    FeedSweep(FeedRetention retention) {
        this.retention = retention;
    }

    /**
     * One batch of each rule. A change is old enough once {@code retention} has passed since its commit, to the
     * millisecond: with a retention of 0 a change committed in this very millisecond is passed too.
     */
    Batch run(Connection connection) throws SQLException {
        long now = System.currentTimeMillis();
        int dropped = 0;
        int passed = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT position, ns, k, committed_at FROM"
                        + " datastore4j_changes WHERE position > ? ORDER BY position LIMIT ?");
                PreparedStatement older = connection.prepareStatement(
                        "DELETE FROM datastore4j_changes WHERE ns = ? AND k = ? AND position < ?")) {
            select.setLong(1, superseded);
            select.setInt(2, BATCH);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()
                        && rows.getLong(4) <= now - retention.superseded().toMillis()) {
                    older.setString(1, rows.getString(2));
                    older.setBytes(2, rows.getBytes(3));
                    older.setLong(3, rows.getLong(1));
                    dropped += older.executeUpdate();
                    superseded = rows.getLong(1);
                    passed++;
                }
            }
        }
        boolean more = passed == BATCH;
        passed = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT c.position, c.ns, c.k, c.committed_at,"
                        + " c.rev IS NULL AND NOT EXISTS (SELECT 1 FROM datastore4j_changes l WHERE l.ns = c.ns AND"
                        + " l.k = c.k AND l.position > c.position) FROM datastore4j_changes c WHERE c.position > ? AND"
                        + " c.position < (SELECT max(position) FROM datastore4j_changes) ORDER BY c.position LIMIT ?");
                PreparedStatement drop =
                        connection.prepareStatement("DELETE FROM datastore4j_changes WHERE position = ?");
                PreparedStatement below = connection.prepareStatement("INSERT INTO datastore4j_feed_trimmed (ns,"
                        + " below) VALUES (?, ?) ON CONFLICT (ns) DO UPDATE SET below = max(below, excluded.below)")) {
            select.setLong(1, deletes);
            select.setInt(2, BATCH);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()
                        && rows.getLong(4) <= now - retention.deletes().toMillis()) {
                    long position = rows.getLong(1);
                    if (rows.getBoolean(5)) {
                        below.setString(1, rows.getString(2));
                        below.setLong(2, position);
                        below.executeUpdate();
                        drop.setLong(1, position);
                        dropped += drop.executeUpdate();
                    }
                    deletes = position;
                    passed++;
                }
            }
        }
        return new Batch(dropped, more || passed == BATCH);
    }
}
