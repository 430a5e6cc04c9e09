package io.github.datastore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * SQLite files in a fresh folder under {@code java.io.tmpdir} (removed at close), one file per store. The raw baseline
 * opens each connection as the backend does: WAL, {@code synchronous=FULL}, write transactions that begin {@code
 * IMMEDIATE} (a deferred one that upgrades may fail busy), and a busy timeout for the writers of other connections;
 * sqlite-jdbc waits out a busy lock with its busy handler, which sleeps between tries.
 */
final class SqliteTarget implements SharedTarget {
    private static final String PARAMETERS = "?journal_mode=WAL&synchronous=FULL&busy_timeout=60000";

    private final Path folder;
    private final AtomicInteger files = new AtomicInteger();

    private SqliteTarget(Path folder) {
        this.folder = folder;
    }

    static SqliteTarget create() throws IOException {
        return new SqliteTarget(Files.createTempDirectory("datastore4j-bench-sqlite"));
    }

    @Override
    public String scheme() {
        return "sqlite";
    }

    @Override
    public String describe() throws Exception {
        RawStore probe = freshRawStore();
        try (Connection c = probe.connect();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT sqlite_version()")) {
            r.next();
            return String.format(
                    "sqlite %s (sqlite-jdbc), files in %s (%s)%nraw connections: %s",
                    r.getString(1), folder, Files.getFileStore(folder).type(), PARAMETERS.substring(1));
        }
    }

    @Override
    public String freshUri() {
        return "sqlite:" + freshFile();
    }

    @Override
    public RawStore freshRawStore() throws Exception {
        RawStore store = new RawStore("jdbc:sqlite:" + freshFile() + PARAMETERS, "", "BEGIN IMMEDIATE");
        try (Connection c = store.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE records (ns TEXT NOT NULL, k BLOB NOT NULL, rev INTEGER NOT NULL,"
                    + " value BLOB NOT NULL, PRIMARY KEY (ns, k)) WITHOUT ROWID");
            s.execute("CREATE TABLE changes (position INTEGER PRIMARY KEY, ns TEXT NOT NULL, k BLOB NOT NULL,"
                    + " rev INTEGER, value BLOB)");
        }
        return store;
    }

    @Override
    public int[] writerCounts() {
        return new int[] {1, 16};
    }

    @Override
    public Optional<String> hintStatement() {
        return Optional.empty();
    }

    private Path freshFile() {
        return folder.resolve("bench-" + files.incrementAndGet() + ".db");
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
