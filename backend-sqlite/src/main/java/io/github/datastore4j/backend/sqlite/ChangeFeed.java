package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the change feed, {@code datastore4j_changes}, and the snapshots a reader starts it from.
 *
 * <p><b>Simpler than {@code postgres:}.</b> SQLite admits one write transaction at a time over the whole file, and a
 * change's position is taken inside it ({@code AUTOINCREMENT}), so positions are in commit order: when a change is
 * visible, every smaller position has committed (or was never used). A reader in WAL mode sees one commit's state
 * for its whole read transaction. So a page is just the changes after the position, {@code next} is its last change
 * — or the head, {@code sqlite_sequence}'s value read in the same transaction, when the page holds every change up to
 * it — and a snapshot includes no later position ({@link SharedSnapshot#included()} is always empty).
 *
 * <p><b>Concurrency contract.</b> Stateless; each call runs inside a read transaction of the connection it is given.
 */
final class ChangeFeed {
    private static final String COLUMNS = "k, rev, schema_version, checksum, value, metadata";

    private ChangeFeed() {}

    static ChangePage changesAfter(Connection connection, String namespace, long position, int limit)
            throws SQLException {
        if (position != 0) {
            long below = trimmedBelow(connection, namespace);
            if (position < below) {
                throw new FeedTrimmedException(
                        "the change feed of namespace '" + namespace + "' no longer holds every change after "
                                + position + ": the delete of a key at a position up to " + below
                                + " was dropped from it (deleteRetention)",
                        position,
                        below);
            }
        }
        List<ChangePage.Change> changes = new ArrayList<>();
        long next = position;
        try (PreparedStatement select = connection.prepareStatement("SELECT position, " + COLUMNS
                + " FROM datastore4j_changes WHERE ns = ? AND position > ? ORDER BY position LIMIT ?")) {
            select.setString(1, namespace);
            select.setLong(2, position);
            select.setInt(3, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    long at = rows.getLong(1);
                    rows.getLong(3);
                    Optional<Record> record =
                            rows.wasNull() ? Optional.empty() : Optional.of(ConditionalWriter.record(rows, 2));
                    changes.add(
                            new ChangePage.Change(at, namespace, ConditionalWriter.keyOf(rows.getBytes(2)), record));
                    next = at;
                }
            }
        }
        if (changes.size() < limit) {
            next = Math.max(next, head(connection)); // every change of the namespace up to the head was read
        }
        return new ChangePage(changes, next);
    }

    /** The query of {@link #head(PreparedStatement)}. */
    static final String HEAD = "SELECT seq FROM sqlite_sequence WHERE name = 'datastore4j_changes'";

    /** The position of the last committed change, {@code 0} if none, as the connection's transaction sees it. */
    static long head(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(HEAD)) {
            return head(select);
        }
    }

    /** {@link #head(Connection)} with {@link #HEAD} prepared. */
    static long head(PreparedStatement select) throws SQLException {
        try (ResultSet rows = select.executeQuery()) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    private static long trimmedBelow(Connection connection, String namespace) throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT below FROM datastore4j_feed_trimmed WHERE ns = ?")) {
            select.setString(1, namespace);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    /** The records of {@code namespace} and the head, in the connection's one read transaction. */
    static SharedSnapshot snapshot(Connection connection, String namespace) throws SQLException {
        long position = head(connection);
        List<Record> records = new ArrayList<>();
        scan(connection, namespace, records::add);
        return new SharedSnapshot(records, position, Set.of());
    }

    /** Passes every record of {@code namespace} to {@code sink}, in key order (the keys' UTF-8 bytes). */
    static void scan(Connection connection, String namespace, Consumer<? super Record> sink) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM datastore4j_records WHERE ns = ? ORDER BY k")) {
            select.setString(1, namespace);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    sink.accept(ConditionalWriter.record(rows, 1));
                }
            }
        }
    }
}
