package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.CorruptDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The store's tables, their version, and how a new store file comes to be.
 *
 * <ul>
 *   <li>{@code datastore4j_schema_version (version)}: one row per applied version; this release refuses a store of a
 *       newer one. The file's {@code PRAGMA application_id} is {@link #APPLICATION_ID}, so a foreign SQLite file is told
 *       apart from a store at a glance;
 *   <li>{@code datastore4j_records (ns, k, rev, schema_version, checksum, value, metadata)} keyed by {@code (ns, k)},
 *       keys as their UTF-8 bytes (a {@code BLOB}: a key may hold NUL, and blobs sort by their bytes);
 *   <li>{@code datastore4j_changes (position INTEGER PRIMARY KEY AUTOINCREMENT, …)}: the change feed. SQLite runs one
 *       write transaction at a time, so positions are taken in commit order; {@code AUTOINCREMENT} keeps a position
 *       from being taken twice after the sweep dropped the last rows;
 *   <li>{@code datastore4j_leases}, {@code datastore4j_quarantine}, {@code datastore4j_feed_trimmed}.
 * </ul>
 *
 * <p><b>A new file.</b> SQLite creates a missing file empty and writes it at its first commit, so another process
 * could meet it empty in between — and an empty file may as well be someone's. So a new store is built under a
 * temporary name beside its place and linked into place ({@code link(2)} fails if a file got there first, then that
 * one is opened); an empty file where the store belongs is refused as foreign, never written over.
 */
final class SqliteSchema {
    static final int VERSION = 1;
    /** {@code PRAGMA application_id} of a store: "d4js". */
    static final int APPLICATION_ID = 0x6434_6a73;

    private SqliteSchema() {}

    /** Builds a store at {@code target}'s file if there is none; a file found there is left to {@link #check}. */
    static void createIfMissing(SqliteTarget target) throws SQLException {
        Path file = target.file();
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("sqlite: cannot create the folder of " + target.shown(), e);
        }
        Path temporary = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".creating");
        SqliteTarget building =
                new SqliteTarget(temporary, target.synchronous(), target.busyTimeout(), target.retention());
        try {
            try (Connection connection = new SqliteConnections(building).open();
                    Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode = WAL");
                statement.execute("BEGIN IMMEDIATE");
                create(statement);
                statement.execute("COMMIT");
            }
            try {
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException e) {
                // another process built one first: that one is the store
            } catch (UnsupportedOperationException | IOException e) {
                if (!Files.exists(file)) {
                    Files.move(temporary, file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("sqlite: cannot create " + target.shown(), e);
        } finally {
            for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                try {
                    Files.deleteIfExists(Path.of(temporary + suffix));
                } catch (IOException e) {
                    // a left-over temporary file names itself .creating; nothing reads it
                }
            }
        }
    }

    /** Refuses an empty file where the store belongs, before any connection could write to it. */
    static void requireNotEmpty(SqliteTarget target) {
        try {
            if (Files.size(target.file()) == 0) {
                throw new CorruptDataException("sqlite: " + target.shown()
                        + " is an empty file, not a datastore4j store; it was left untouched (remove it, or choose"
                        + " another file)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("sqlite: cannot read " + target.shown(), e);
        }
    }

    /**
     * Checks that the open file is a store this release reads, in a write transaction so that it also upgrades
     * (none yet); a file that is not one is refused, untouched.
     */
    static void check(Connection connection, SqliteTarget target) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'"
                    + " AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            int application;
            try (ResultSet rows = statement.executeQuery("PRAGMA application_id")) {
                rows.next();
                application = rows.getInt(1);
            }
            if (application != APPLICATION_ID || !tables.contains("datastore4j_schema_version")) {
                throw new CorruptDataException("sqlite: " + target.shown() + " is a SQLite database of another"
                        + " application (application_id " + application + ", tables " + tables + "), not a datastore4j"
                        + " store; it was left untouched");
            }
            int found;
            try (ResultSet rows = statement.executeQuery("SELECT max(version) FROM datastore4j_schema_version")) {
                rows.next();
                found = rows.getInt(1);
            }
            if (found > VERSION) {
                throw new CorruptDataException("sqlite: " + target.shown() + " holds a store of version " + found
                        + ", written by a newer datastore4j; this release reads up to version " + VERSION);
            }
        }
    }

    private static void create(Statement ddl) throws SQLException {
        ddl.execute("PRAGMA application_id = " + APPLICATION_ID);
        ddl.execute("CREATE TABLE datastore4j_schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT"
                + " NULL)");
        String record = "ns TEXT NOT NULL, k BLOB NOT NULL, rev INTEGER NOT NULL, schema_version INTEGER NOT NULL,"
                + " checksum INTEGER NOT NULL, value BLOB NOT NULL, metadata BLOB";
        ddl.execute("CREATE TABLE datastore4j_records (" + record + ", PRIMARY KEY (ns, k)) WITHOUT ROWID");
        ddl.execute("CREATE TABLE datastore4j_quarantine (" + record + ", problem TEXT NOT NULL,"
                + " quarantined_at INTEGER NOT NULL)");
        ddl.execute("CREATE TABLE datastore4j_changes (position INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL,"
                + " k BLOB NOT NULL, rev INTEGER, schema_version INTEGER, checksum INTEGER, value BLOB, metadata BLOB,"
                + " committed_at INTEGER NOT NULL)");
        ddl.execute("CREATE INDEX datastore4j_changes_ns ON datastore4j_changes (ns, position)");
        ddl.execute("CREATE INDEX datastore4j_changes_key ON datastore4j_changes (ns, k, position)");
        ddl.execute("CREATE TABLE datastore4j_leases (ns TEXT NOT NULL, k BLOB NOT NULL, holder TEXT NOT NULL,"
                + " token INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (ns, k)) WITHOUT ROWID");
        ddl.execute("CREATE TABLE datastore4j_feed_trimmed (ns TEXT PRIMARY KEY, below INTEGER NOT NULL)");
        ddl.execute("INSERT INTO datastore4j_schema_version (version, applied_at) VALUES (" + VERSION + ", "
                + System.currentTimeMillis() + ")");
    }
}
