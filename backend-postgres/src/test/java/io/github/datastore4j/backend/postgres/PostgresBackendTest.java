package io.github.datastore4j.backend.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PostgresBackendTest {
    private static final PostgresBackendProvider NO_ENVIRONMENT = new PostgresBackendProvider(name -> null);

    private static StorageOptions options(String query) {
        return StorageOptions.fromQuery(query);
    }

    private static Record record(String key, long rev) {
        return Record.of("ns", key, rev, 1, "1".getBytes(StandardCharsets.UTF_8));
    }

    @Nested
    @DisplayName("URIs")
    class Uris {
        @Test
        @DisplayName("postgres://user:password@host:port/db?schema=… names the server, the credentials and the schema")
        void urlForm() {
            PostgresTarget target = NO_ENVIRONMENT.target("//ann:s%40cret@db.example:5433/app", options("schema=jobs"));
            assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5433/app");
            assertThat(target.user()).isEqualTo("ann");
            assertThat(target.password()).isEqualTo("s@cret");
            assertThat(target.schema()).isEqualTo("jobs");
        }

        @Test
        @DisplayName("without a schema the store is in public; without a password PGPASSWORD is used")
        void defaults() {
            PostgresBackendProvider provider = new PostgresBackendProvider(Map.of("PGPASSWORD", "fromenv")::get);
            PostgresTarget target = provider.target("//ann@db.example/app", StorageOptions.defaults());
            assertThat(target.schema()).isEqualTo("public");
            assertThat(target.password()).isEqualTo("fromenv");
            assertThat(provider.target("//ann@db.example/app", options("password=given"))
                            .password())
                    .isEqualTo("given");
        }

        @Test
        @DisplayName("postgres:jdbc:postgresql://… is passed to the driver, user and password from the settings")
        void jdbcForm() {
            PostgresTarget target = NO_ENVIRONMENT.target(
                    "jdbc:postgresql://db.example/app", options("user=ann&password=pw&schema=s1"));
            assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example/app");
            assertThat(target.user()).isEqualTo("ann");
            assertThat(target.password()).isEqualTo("pw");
        }

        @Test
        @DisplayName("a schema name that is not plain is refused before anything connects")
        void badSchema() {
            assertThatThrownBy(() -> NO_ENVIRONMENT.target("//db.example/app", options("schema=a%22b")))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                    .hasMessageContaining("schema");
            assertThatThrownBy(() -> NO_ENVIRONMENT.target("not a url", StorageOptions.defaults()))
                    .isInstanceOf(DatastoreException.class);
        }
    }

    @Nested
    @DisplayName("credentials")
    class Credentials {
        @Test
        @DisplayName("a server that cannot be reached is named with the root cause and without the password")
        void unreachableServerMessageHasNoPassword() {
            for (String uri : List.of(
                    "postgres://ann:s3cr3t-pw@127.0.0.1:1/app",
                    "postgres:jdbc:postgresql://127.0.0.1:1/app?user=ann&password=s3cr3t-pw")) {
                assertThatThrownBy(() -> Storage.open(uri))
                        .isInstanceOf(BackendException.class)
                        .hasMessageContaining("127.0.0.1:1")
                        .hasMessageContaining("Connection")
                        .satisfies(e -> assertThat(everyMessage(e)).doesNotContain("s3cr3t-pw"));
            }
        }

        @Test
        @DisplayName("two storages share a schema, both opened with a password no message or toString shows")
        void sharedStoresShowNoPassword() {
            String known = TestPostgres.target("public").password();
            String password = known != null ? known : "s3cr3t-pw"; // the embedded server trusts, and ignores it
            String uri = TestPostgres.uri(TestPostgres.freshSchema());
            StorageOptions withPassword = StorageOptions.builder()
                    .set(PostgresBackendProvider.PASSWORD, password)
                    .build();
            try (Storage first = Storage.open(uri, withPassword);
                    Storage second = Storage.open(uri, withPassword)) {
                first.datastore("ns").set("k", 1);
                assertThat(second.datastore("ns").getLatest("k")).isPresent();
                assertThat(first.toString() + second + first.uri()).doesNotContain(password);
                assertThatThrownBy(() -> second.datastore("ns").changes(-1, 1))
                        .satisfies(e -> assertThat(everyMessage(e)).doesNotContain(password));
            }
        }

        @Test
        @DisplayName("a target shows its URL redacted and never its password")
        void targetIsRedacted() {
            PostgresTarget target = NO_ENVIRONMENT.target(
                    "jdbc:postgresql://db.example/app?password=s3cr3t-pw", options("password=s3cr3t-pw"));
            assertThat(target.toString()).doesNotContain("s3cr3t-pw");
            assertThat(target.shown()).doesNotContain("s3cr3t-pw");
        }

        private String everyMessage(Throwable e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t).append('\n');
                for (Throwable s : t.getSuppressed()) {
                    all.append(s).append('\n');
                }
            }
            return all.toString();
        }
    }

    @Nested
    @DisplayName("the server's settings")
    class Settings {
        @Test
        @DisplayName("synchronous_commit is on in the backend's sessions even when the URL turns it off")
        void synchronousCommitForcedOn() throws SQLException {
            PostgresTarget plain = TestPostgres.target("public");
            String url = plain.jdbcUrl() + (plain.jdbcUrl().contains("?") ? "&" : "?")
                    + "options=-c%20synchronous_commit%3Doff";
            PostgresTarget off = new PostgresTarget(url, plain.user(), plain.password(), "public");
            try (Connection connection = PostgresConnections.open(off, "test");
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SHOW synchronous_commit")) {
                rows.next();
                assertThat(rows.getString(1)).isEqualTo("on");
            }
        }

        @Test
        @DisplayName("durableOnCommit is reported from the server's fsync setting (on for the test server)")
        void durableFromFsync() {
            try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(TestPostgres.freshSchema()))) {
                assertThat(backend.capabilities().durableOnCommit()).isTrue();
                assertThat(backend.capabilities().shared()).isTrue();
                assertThat(backend.capabilities().multiProcessSafe()).isTrue();
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    @DisplayName("eight openers of a fresh schema at once all succeed and create it once")
    void concurrentFirstOpensDoNotRace() throws Exception {
        String schema = TestPostgres.freshSchema();
        int openers = 8;
        CyclicBarrier start = new CyclicBarrier(openers);
        ExecutorService pool = Executors.newFixedThreadPool(openers);
        List<PostgresBackend> opened = new ArrayList<>();
        try {
            List<Future<PostgresBackend>> futures = new ArrayList<>();
            for (int i = 0; i < openers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return PostgresBackend.open(TestPostgres.target(schema));
                }));
            }
            for (Future<PostgresBackend> future : futures) {
                opened.add(future.get());
            }
            try (Connection admin = TestPostgres.admin();
                    Statement statement = admin.createStatement();
                    ResultSet rows = statement.executeQuery(
                            "SELECT count(*) FROM \"" + schema + "\".datastore4j_schema_version")) {
                rows.next();
                assertThat(rows.getInt(1)).as("a row per version").isEqualTo(PostgresSchema.VERSION);
            }
        } finally {
            opened.forEach(PostgresBackend::close);
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    @DisplayName("batches of the same keys in shuffled orders from 8 threads all commit: no deadlock or lost race"
            + " of positions reaches a caller")
    void shuffledBatchesDoNotDeadlock() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(TestPostgres.freshSchema()))) {
            List<Future<?>> done = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(threads);
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        List<String> keys = new ArrayList<>(List.of("a", "b", "c", "d", "e", "f"));
                        java.util.Collections.shuffle(keys, random);
                        List<ConditionalWrite> batch = new ArrayList<>();
                        for (String key : keys) {
                            batch.add(new ConditionalWrite(
                                    Mutation.put("ns", record(key, i + 1)),
                                    ConditionalWrite.ANY_REV,
                                    ConditionalWrite.NO_FENCE));
                        }
                        assertThat(backend.writeConditionally(batch).join().conflicts())
                                .isEmpty();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(90, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("unconditional writes are in the change feed too: other storages follow it")
    void writesAreInTheFeed() {
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(TestPostgres.freshSchema()))) {
            backend.write(List.of(Mutation.put("ns", record("k", 1)))).join();
            backend.writeConditionally(List.of(
                            ConditionalWrite.expecting(Mutation.put("ns", record("k2", 1)), ConditionalWrite.ABSENT)))
                    .join();
            assertThat(backend.changesAfter("ns", 0, 10).join().changes())
                    .extracting(ChangePage.Change::key)
                    .containsExactly("k", "k2");
            assertThat(backend.capabilities().shared()).isTrue();
        }
    }

    @Test
    @DisplayName("a row damaged in the database fails the open with CORRUPT; under onCorrupt=quarantine it moves to"
            + " datastore4j_quarantine, the rest loads, and a storage already open drops the key")
    void damagedRowIsCorruptOrQuarantined() throws SQLException {
        String schema = TestPostgres.freshSchema();
        String uri = TestPostgres.uri(schema);
        try (Storage writer = Storage.open(uri)) {
            Datastore store = writer.datastore("ns");
            store.set("good", 2);
            store.set("bad", 1);
            try (Connection admin = TestPostgres.admin();
                    Statement sql = admin.createStatement()) {
                assertThat(sql.executeUpdate("UPDATE \"" + schema + "\".datastore4j_records SET checksum = 42"
                                + " WHERE k = convert_to('bad', 'UTF8')"))
                        .isOne();
            }
            assertThatThrownBy(() -> {
                        try (Storage other = Storage.open(uri)) {
                            other.datastore("ns");
                        }
                    })
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("'bad'");
            try (Storage quarantining = Storage.open(uri + "&onCorrupt=quarantine")) {
                Datastore loaded = quarantining.datastore("ns");
                assertThat(loaded.get("good", Integer.class)).contains(2);
                assertThat(loaded.get("bad")).isEmpty();
                assertThat(quarantining.quarantined()).singleElement().satisfies(report -> assertThat(report.movedTo())
                        .contains("datastore4j_quarantine"));
                loaded.set("marker", 1); // after the quarantine's delete in the feed
            }
            store.awaitValue("marker", 1, Duration.ofSeconds(30));
            assertThat(store.get("bad"))
                    .as("the storage already open dropped the key")
                    .isEmpty();
            try (Connection admin = TestPostgres.admin();
                    Statement sql = admin.createStatement();
                    ResultSet rows = sql.executeQuery("SELECT convert_from(k, 'UTF8'), rev, problem FROM \"" + schema
                            + "\".datastore4j_quarantine")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("bad");
                assertThat(rows.getLong(2)).isOne();
                assertThat(rows.getString(3)).contains("checksum");
                assertThat(rows.next()).isFalse();
            }
        }
    }

    @Test
    @DisplayName("a call whose connection the server ended fails naming the cause; the next call reconnects")
    void reconnectsAfterALostConnection() throws SQLException {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema))) {
            backend.write(List.of(Mutation.put("ns", record("k", 1)))).join();
            assertThat(terminate(PostgresConnections.APPLICATION_NAME + " " + schema))
                    .isPositive();
            assertThatThrownBy(() -> backend.read("ns", "k").join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOf(BackendException.class)
                    .hasMessageContaining("read key 'k'")
                    .hasMessageContaining("57P01");
            assertThat(backend.read("ns", "k").join()).isPresent();
            backend.write(List.of(Mutation.put("ns", record("k", 2)))).join();
            assertThat(backend.read("ns", "k").join().orElseThrow().rev()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    @DisplayName("the change-hint thread reconnects after the server ended its session, and hints again")
    void hintsReconnect() throws Exception {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend listener = PostgresBackend.open(TestPostgres.target(schema));
                PostgresBackend writer = PostgresBackend.open(TestPostgres.target(schema))) {
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch afterCut = new CountDownLatch(1);
            AtomicBoolean cut = new AtomicBoolean();
            try (AutoCloseable handle = listener.onChanges(() -> {
                if (cut.get()) {
                    afterCut.countDown();
                } else {
                    first.countDown();
                }
            })) {
                int n = 0;
                do {
                    writer.write(List.of(Mutation.put("ns", record("k" + n++, 1))))
                            .join();
                } while (!first.await(200, TimeUnit.MILLISECONDS));
                cut.set(true);
                assertThat(terminate(PostgresConnections.APPLICATION_NAME + " hints"))
                        .isPositive();
                do {
                    writer.write(List.of(Mutation.put("ns", record("k" + n++, 1))))
                            .join();
                } while (!afterCut.await(200, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Nested
    @DisplayName("the change feed and snapshots")
    class FeedAndSnapshots {
        @Test
        @Timeout(value = 1, unit = TimeUnit.MINUTES)
        @DisplayName("a snapshot leaves its pooled connection in READ COMMITTED and read-write, also when it fails")
        void snapshotLeavesTheConnectionAsThePoolExpects() throws Exception {
            try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(TestPostgres.freshSchema()))) {
                backend.write(List.of(Mutation.put("ns", record("k", 1)))).join();
                String before = backend.onConnection(PostgresBackendTest::sessionState);
                assertThat(before).endsWith("read committed, read-write, auto-commit false");
                assertThat(backend.snapshot("ns").join().records()).hasSize(1);
                assertThat(backend.onConnection(PostgresBackendTest::sessionState))
                        .as("the same pooled connection after a snapshot")
                        .isEqualTo(before);
                // text cannot hold NUL: the snapshot fails inside its transaction, after SET TRANSACTION
                assertThatThrownBy(() -> backend.snapshot("n\0s").join())
                        .isInstanceOf(CompletionException.class)
                        .cause()
                        .isInstanceOf(BackendException.class)
                        .hasMessageContaining("PostgreSQL failed to take a snapshot of namespace 'n");
                assertThat(backend.onConnection(PostgresBackendTest::sessionState))
                        .as("the same pooled connection after a failed snapshot")
                        .isEqualTo(before);
                backend.write(List.of(Mutation.put("ns", record("k", 2)))).join();
                assertThat(backend.snapshot("ns").join().records())
                        .extracting(Record::rev)
                        .containsExactly(2L);
            }
        }

        @ParameterizedTest(name = "a batch with {0} other keys")
        @ValueSource(ints = {0, 10})
        @Timeout(value = 1, unit = TimeUnit.MINUTES)
        @DisplayName("a write that waits for a key's row lock after taking its positions does not commit under a later"
                + " position of that key: the feed replays to the stored state")
        void writesOfOneKeyCommitInPositionOrder(int otherKeys) throws Exception {
            String schema = TestPostgres.freshSchema();
            String sessions = PostgresConnections.APPLICATION_NAME + " " + schema;
            // two threads of its own: the common pool may have one, and the delete blocks it until the end
            java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(2);
            try (PostgresBackend first = PostgresBackend.open(TestPostgres.target(schema));
                    PostgresBackend second = PostgresBackend.open(TestPostgres.target(schema));
                    Connection admin = TestPostgres.admin()) {
                first.writeConditionally(List.of(ConditionalWrite.expecting(
                                Mutation.put("ns", record("k", 1)), ConditionalWrite.ABSENT)))
                        .join();
                admin.setAutoCommit(false);
                // a KEY SHARE lock blocks a delete of the row, not an update that keeps its key
                try (PreparedStatement hold = admin.prepareStatement("SELECT 1 FROM \"" + schema
                        + "\".datastore4j_records WHERE ns = 'ns' AND k = ? FOR KEY SHARE")) {
                    hold.setBytes(1, "k".getBytes(StandardCharsets.UTF_8));
                    hold.executeQuery().close();
                }
                List<ConditionalWrite> batch = new ArrayList<>();
                batch.add(new ConditionalWrite(
                        Mutation.delete("ns", "k"), ConditionalWrite.ANY_REV, ConditionalWrite.NO_FENCE));
                for (int i = 0; i < otherKeys; i++) { // all written again, once
                    batch.add(ConditionalWrite.expecting(
                            Mutation.put("ns", record("other" + i, 1)), ConditionalWrite.ABSENT));
                }
                var delete = CompletableFuture.supplyAsync(
                        () -> first.writeConditionally(batch).join(), writers);
                awaitWaiting(admin, sessions, 1, () -> false); // the delete holds its positions and waits
                var update = CompletableFuture.supplyAsync(
                        () -> second.writeConditionally(
                                        List.of(ConditionalWrite.expecting(Mutation.put("ns", record("k", 2)), 1)))
                                .join(),
                        writers);
                awaitWaiting(admin, sessions, 2, update::isDone); // the update commits, or waits its turn
                admin.rollback();
                delete.get(30, TimeUnit.SECONDS);
                update.get(30, TimeUnit.SECONDS);
                Map<String, Record> replayed = new java.util.HashMap<>();
                for (ChangePage.Change change :
                        first.changesAfter("ns", 0, 1_000).join().changes()) {
                    change.record()
                            .ifPresentOrElse(r -> replayed.put(change.key(), r), () -> replayed.remove(change.key()));
                }
                List<Record> stored = new ArrayList<>();
                first.scan("ns", stored::add).join();
                assertThat(replayed.values()).containsExactlyInAnyOrderElementsOf(stored);
            } finally {
                writers.shutdownNow();
            }
        }

        /** Waits until {@code count} of the sessions named {@code sessions} wait for a lock, or {@code done}. */
        private void awaitWaiting(Connection admin, String sessions, int count, java.util.function.BooleanSupplier done)
                throws SQLException {
            try (PreparedStatement waiting = admin.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                    + " WHERE application_name = ? AND wait_event_type = 'Lock'")) {
                waiting.setString(1, sessions);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!done.getAsBoolean()) {
                    assertThat(System.nanoTime() - deadline)
                            .as(count + " sessions waiting for a lock within 30 s")
                            .isNegative();
                    try (ResultSet rows = waiting.executeQuery()) {
                        rows.next();
                        if (rows.getInt(1) >= count) {
                            return;
                        }
                    }
                }
            }
        }
    }

    /** The session's isolation, read-only setting and auto-commit, with its pid first. */
    private static String sessionState(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT pg_backend_pid(), current_setting('transaction_isolation'),"
                                + " current_setting('transaction_read_only')")) {
            rows.next();
            String state = rows.getInt(1) + ": " + rows.getString(2) + ", "
                    + ("on".equals(rows.getString(3)) ? "read-only" : "read-write") + ", auto-commit "
                    + connection.getAutoCommit();
            connection.commit();
            return state;
        }
    }

    /** Ends the server sessions named {@code applicationName}; returns how many. */
    private static int terminate(String applicationName) throws SQLException {
        try (Connection admin = TestPostgres.admin();
                PreparedStatement kill = admin.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM"
                        + " pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            kill.setString(1, applicationName);
            try (ResultSet rows = kill.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
