package io.github.datastore4j.backend.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Trims the change feed by {@link io.github.datastore4j.api.spi.SharedBackend}'s rules, in short batches, each a
 * piece of work of {@link GroupCommitWriter} (so it holds the write lock for at most one batch):
 *
 * <ul>
 *   <li>a change older than {@code feedRetention} whose key has a later change goes: the key's latest change stays;
 *   <li>a delete older than {@code deleteRetention} whose key has no later change goes too — never the feed's last
 *       change, whose position is the head — and its namespace's {@code below} in {@code datastore4j_feed_trimmed}
 *       rises to it, so a reader from an earlier position is refused ({@link ChangeFeed}).
 * </ul>
 *
 * <p><b>Concurrency contract.</b> Stateless; each call uses the connection it is given, on the writer thread.
 */
final class FeedSweep {
    /** Changes one batch drops, at most. */
    static final int BATCH = 1_000;

    private FeedSweep() {}

    /** One batch; how many changes it dropped ({@link #BATCH} means there may be more). */
    static int run(Connection connection, FeedRetention retention) throws SQLException {
        long now = System.currentTimeMillis();
        int dropped;
        try (PreparedStatement superseded = connection.prepareStatement("DELETE FROM datastore4j_changes WHERE"
                + " position IN (SELECT c.position FROM datastore4j_changes c WHERE c.committed_at < ? AND EXISTS"
                + " (SELECT 1 FROM datastore4j_changes l WHERE l.ns = c.ns AND l.k = c.k AND l.position > c.position)"
                + " ORDER BY c.position LIMIT ?)")) {
            superseded.setLong(1, now - retention.superseded().toMillis());
            superseded.setInt(2, BATCH);
            dropped = superseded.executeUpdate();
        }
        String oldDeletes = "SELECT c.position, c.ns FROM datastore4j_changes c WHERE c.rev IS NULL AND"
                + " c.committed_at < ? AND c.position < (SELECT max(position) FROM datastore4j_changes) AND NOT EXISTS"
                + " (SELECT 1 FROM datastore4j_changes l WHERE l.ns = c.ns AND l.k = c.k AND l.position > c.position)"
                + " ORDER BY c.position LIMIT ?";
        try (PreparedStatement below = connection.prepareStatement("INSERT INTO datastore4j_feed_trimmed (ns, below)"
                + " SELECT ns, max(position) FROM (" + oldDeletes + ") WHERE true GROUP BY ns"
                + " ON CONFLICT (ns) DO UPDATE SET below = max(below, excluded.below)")) {
            below.setLong(1, now - retention.deletes().toMillis());
            below.setInt(2, BATCH);
            below.executeUpdate();
        }
        try (PreparedStatement deletes = connection.prepareStatement(
                "DELETE FROM datastore4j_changes WHERE position" + " IN (SELECT position FROM (" + oldDeletes + "))")) {
            deletes.setLong(1, now - retention.deletes().toMillis());
            deletes.setInt(2, BATCH);
            dropped += deletes.executeUpdate();
        }
        return dropped;
    }
}
