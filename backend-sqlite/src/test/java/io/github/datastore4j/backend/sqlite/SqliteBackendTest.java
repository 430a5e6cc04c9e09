package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@code sqlite:} does beyond the kits: foreign files, network file systems, a busy file, commit order. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteBackendTest {
    @TempDir
    Path directory;

    private static Record record(String key, long rev, String json) {
        return Record.of("ns", key, rev, 1, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("a SQLite database of another application is CORRUPT naming the file and its tables, left untouched")
    void foreignSqliteDatabaseIsRefused() throws Exception {
        Path file = TestStores.file(directory);
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement sql = other.createStatement()) {
            sql.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
            sql.execute("INSERT INTO invoices (total) VALUES (12.5)");
        }
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> {
                    try (Storage storage = Storage.open(TestStores.uri(directory))) {
                        storage.datastore("ns").get("k");
                    }
                })
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("invoices")
                .hasMessageContaining("another application");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(Files.exists(Path.of(file + "-wal")))
                .as("a WAL beside the foreign file")
                .isFalse();
    }

    @Test
    @DisplayName("a store on a network file system is refused with INVALID_OPTION naming the file and the type")
    void networkFileSystemIsRefused() {
        assertThatThrownBy(() -> FileSystemCheck.requireLocal("/mnt/share/app.db", "nfs4"))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("/mnt/share/app.db")
                .hasMessageContaining("nfs4")
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_OPTION));
        FileSystemCheck.requireLocal("/var/lib/app.db", "ext4");
        FileSystemCheck.requireLocal("/tmp/app.db", "tmpfs");
        assertThat(FileSystemCheck.typeOf(directory.resolve("not/yet/there.db")))
                .as("the type of the nearest existing folder")
                .isNotNull();
    }

    @Test
    @DisplayName("a write that waits past busyTimeout for another connection's write lock fails LOCKED naming the file")
    void busyFileIsLocked() throws Exception {
        Path file = TestStores.file(directory);
        SqliteTarget target = SqliteBackendProvider.target(
                file.toString(),
                StorageOptions.builder()
                        .set(SqliteBackendProvider.BUSY_TIMEOUT, "200ms")
                        .build());
        try (SqliteBackend backend = SqliteBackend.open(target);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement sql = other.createStatement()) {
            sql.execute("BEGIN IMMEDIATE"); // another process's writer, holding the lock
            assertThatThrownBy(() -> backend.writeConditionally(List.of(ConditionalWrite.expecting(
                                    Mutation.put("ns", record("k", 1, "1")), ConditionalWrite.ANY_REV)))
                            .join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("busyTimeout");
            assertThat(backend.read("ns", "k").join())
                    .as("reads go on while another writer holds the lock")
                    .isEmpty();
            sql.execute("COMMIT");
            backend.writeConditionally(List.of(ConditionalWrite.expecting(
                            Mutation.put("ns", record("k", 1, "1")), ConditionalWrite.ANY_REV)))
                    .join();
            assertThat(backend.read("ns", "k").join()).isPresent();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    @DisplayName("feed positions follow commit order: 4 backends x 4 threads committing, each commit ticketed while it"
            + " holds the file's write lock, have positions in ticket order, and the feed holds them all in that order")
    void positionsFollowCommitOrder() throws Exception {
        Path file = TestStores.file(directory);
        int backends = 4;
        int threads = 4;
        int commits = 150;
        AtomicLong tickets = new AtomicLong();
        Map<Long, Long> positionByTicket = new ConcurrentHashMap<>();
        List<SqliteBackend> opened = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(backends * threads);
        try {
            for (int b = 0; b < backends; b++) {
                opened.add(TestStores.open(file));
            }
            List<Future<?>> running = new ArrayList<>();
            for (int b = 0; b < backends; b++) {
                SqliteBackend backend = opened.get(b);
                for (int t = 0; t < threads; t++) {
                    String key = "b" + b + "t" + t;
                    running.add(pool.submit(() -> {
                        for (int n = 1; n <= commits; n++) {
                            long[] ticket = new long[1];
                            // the ticket is taken inside the transaction, after BEGIN IMMEDIATE took the write lock
                            // and before COMMIT released it: ticket order is the order transactions committed in
                            ConditionalResult result = backend.writeConditionally(
                                            List.of(ConditionalWrite.expecting(
                                                    Mutation.put("ns", record(key, n, Integer.toString(n))),
                                                    ConditionalWrite.ANY_REV)),
                                            () -> ticket[0] = tickets.incrementAndGet())
                                    .join();
                            positionByTicket.put(ticket[0], result.positions().get(0));
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> writer : running) {
                writer.get(2, TimeUnit.MINUTES);
            }
            // a group commit gives one ticket per batch, all inside one transaction: tickets are still in order
            List<Long> inTicketOrder = new ArrayList<>(new TreeMap<>(positionByTicket).values());
            assertThat(inTicketOrder)
                    .hasSize(backends * threads * commits)
                    .isSorted()
                    .doesNotHaveDuplicates();
            List<Long> fed = new ArrayList<>();
            long position = 0;
            SqliteBackend reader = opened.get(0);
            while (position < reader.head().join()) {
                ChangePage page = reader.changesAfter("ns", position, 500).join();
                page.changes().forEach(change -> fed.add(change.position()));
                position = page.next();
            }
            assertThat(fed).as("the feed from 0").isEqualTo(inTicketOrder);
        } finally {
            pool.shutdownNow();
            opened.forEach(SqliteBackend::close);
        }
    }

    @Test
    @DisplayName("close fails what comes after it and leaves no -wal or -shm file when it was the last connection")
    void closeIsCleanAndFinal() {
        Path file = TestStores.file(directory);
        SqliteBackend backend = TestStores.open(file);
        backend.writeConditionally(List.of(
                        ConditionalWrite.expecting(Mutation.put("ns", record("k", 1, "1")), ConditionalWrite.ABSENT)))
                .join();
        backend.close();
        backend.close();
        assertThatThrownBy(() -> backend.read("ns", "k").join()).hasMessageContaining("closed");
        assertThatThrownBy(() -> backend.writeConditionally(List.of()).join()).hasMessageContaining("closed");
        assertThat(Files.exists(Path.of(file + "-wal"))).isFalse();
        assertThat(Files.exists(Path.of(file + "-shm"))).isFalse();
    }

    @Test
    @DisplayName("the trimmed feed: superseded changes and old deletes go, a reader from before a dropped delete is"
            + " refused, and the feed from 0 still holds every live key's latest change")
    void sweepTrimsTheFeed() {
        Path file = TestStores.file(directory);
        SqliteTarget target = SqliteBackendProvider.target(
                file.toString(),
                StorageOptions.builder()
                        .set(SqliteBackendProvider.FEED_RETENTION, "0ms")
                        .set(SqliteBackendProvider.DELETE_RETENTION, "0ms")
                        .build());
        try (SqliteBackend backend = SqliteBackend.open(target)) {
            long first = put(backend, "a", 1);
            put(backend, "a", 2);
            put(backend, "gone", 1);
            backend.writeConditionally(List.of(
                            ConditionalWrite.expecting(Mutation.delete("ns", "gone"), ConditionalWrite.ANY_REV)))
                    .join();
            long last = put(backend, "b", 1);
            assertThat(backend.sweepFeed()).isEqualTo(3); // a@1, gone@1 (superseded), the delete of gone (old)
            assertThat(backend.changesAfter("ns", 0, 100).join().changes())
                    .extracting(ChangePage.Change::key)
                    .containsExactly("a", "b");
            assertThatThrownBy(() -> backend.changesAfter("ns", first, 100).join())
                    .hasCauseInstanceOf(io.github.datastore4j.api.spi.FeedTrimmedException.class);
            assertThat(backend.head().join()).isEqualTo(last);
            assertThat(backend.sweepFeed())
                    .as("a second sweep over what the first passed")
                    .isZero();
            long again = put(backend, "b", 2);
            assertThat(backend.sweepFeed()).as("b@1, superseded since").isEqualTo(1);
            assertThat(backend.changesAfter("ns", 0, 100).join().changes())
                    .extracting(ChangePage.Change::position)
                    .endsWith(again);
        }
    }

    private static long put(SqliteBackend backend, String key, long rev) {
        return backend.writeConditionally(List.of(ConditionalWrite.expecting(
                        Mutation.put("ns", record(key, rev, Long.toString(rev))), ConditionalWrite.ANY_REV)))
                .join()
                .position();
    }
}
