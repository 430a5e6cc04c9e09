package io.github.datastore4j.backend.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The trimmed change feed: {@link FeedSweep}, the page's refusal, and the schema upgrade that brought them. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PostgresFeedTrimTest {
    private static final FeedRetention AT_ONCE = new FeedRetention(Duration.ZERO, Duration.ZERO);

    private static Record record(String key, long rev) {
        return Record.of("ns", key, rev, 1, Long.toString(rev).getBytes(StandardCharsets.UTF_8));
    }

    private static long put(PostgresBackend backend, String key, long rev) {
        return backend.writeConditionally(List.of(new ConditionalWrite(
                        Mutation.put("ns", record(key, rev)), ConditionalWrite.ANY_REV, ConditionalWrite.NO_FENCE)))
                .join()
                .position();
    }

    private static long delete(PostgresBackend backend, String key) {
        return backend.writeConditionally(List.of(new ConditionalWrite(
                        Mutation.delete("ns", key), ConditionalWrite.ANY_REV, ConditionalWrite.NO_FENCE)))
                .join()
                .position();
    }

    private static long count(String schema, String where) throws SQLException {
        try (Connection admin = TestPostgres.admin();
                Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery(
                        "SELECT count(*) FROM \"" + schema + "\".datastore4j_changes WHERE " + where)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void execute(String schema, String... statements) throws SQLException {
        try (Connection admin = TestPostgres.admin();
                Statement sql = admin.createStatement()) {
            for (String statement : statements) {
                sql.execute(statement.replace("$s", "\"" + schema + "\""));
            }
        }
    }

    @Test
    @DisplayName("a key written 50 times keeps one change once its retention has passed, and a read from 0 has it")
    void supersededChangesAreDropped() throws SQLException {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema), AT_ONCE)) {
            for (int rev = 1; rev <= 50; rev++) {
                put(backend, "hot", rev);
            }
            put(backend, "cold", 1);
            assertThat(count(schema, "true")).isEqualTo(51);
            assertThat(backend.sweepFeed()).isEqualTo(49);
            assertThat(count(schema, "k = convert_to('hot', 'UTF8')")).isOne();
            ChangePage all = backend.changesAfter("ns", 0, 100).join();
            assertThat(all.changes())
                    .extracting(change ->
                            change.key() + "@" + change.record().orElseThrow().rev())
                    .containsExactly("hot@50", "cold@1");
            assertThat(backend.sweepFeed()).as("nothing more to drop").isZero();
        }
    }

    @Test
    @DisplayName("changes younger than feedRetention stay; once older they are dropped, all but each key's latest")
    void retentionIsHonoured() throws SQLException {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema), FeedRetention.DEFAULT)) {
            for (int rev = 1; rev <= 5; rev++) {
                put(backend, "k", rev);
            }
            long position = delete(backend, "gone");
            assertThat(backend.sweepFeed()).isZero();
            assertThat(count(schema, "true")).isEqualTo(5);
            execute(schema, "UPDATE $s.datastore4j_changes SET committed_at = now() - interval '11 minutes'");
            assertThat(backend.sweepFeed()).isEqualTo(4);
            assertThat(count(schema, "true")).isOne();
            assertThat(position)
                    .as("a delete of a key with no record changes nothing")
                    .isPositive();
        }
    }

    @Test
    @DisplayName("a reader from before a dropped delete is refused naming the position; from 0 it gets the live keys")
    void droppedDeleteRefusesOlderReaders() {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema), AT_ONCE)) {
            put(backend, "a", 1);
            long before = put(backend, "b", 1);
            long deleted = delete(backend, "a");
            put(backend, "c", 1); // the delete is not the feed's last change, which is never dropped
            assertThat(backend.changesAfter("ns", before, 10).join().changes()).hasSize(2);
            assertThat(backend.sweepFeed()).isEqualTo(2); // a's put (superseded by its delete), then the delete
            assertThatThrownBy(() -> backend.changesAfter("ns", before, 10).join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOfSatisfying(FeedTrimmedException.class, e -> {
                        assertThat(e.position()).isEqualTo(before);
                        assertThat(e.keptFrom()).isEqualTo(deleted);
                        assertThat(e.getMessage()).contains("'ns'").contains(Long.toString(before));
                    });
            assertThat(backend.changesAfter("ns", deleted, 10).join().changes())
                    .extracting(ChangePage.Change::key)
                    .containsExactly("c");
            assertThat(backend.changesAfter("ns", 0, 10).join().changes())
                    .extracting(ChangePage.Change::key)
                    .containsExactly("b", "c");
            assertThat(backend.changesAfter("other", 1, 10).join().changes())
                    .as("another namespace's readers are not refused")
                    .isEmpty();
            assertThat(backend.head().join()).as("the head stays where it was").isGreaterThan(deleted);
        }
    }

    @Test
    @DisplayName("storages following a feed trimmed at once while 3 threads put and delete 20 keys end with the table")
    void followersConvergeWhileTheFeedIsTrimmed() throws Exception {
        String schema = TestPostgres.freshSchema();
        String uri = TestPostgres.uri(schema) + "&feedRetention=0s&deleteRetention=0s";
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger sweeps = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try (Storage writerStorage = Storage.open(uri);
                Storage followerStorage = Storage.open(uri);
                PostgresBackend sweeper = PostgresBackend.open(TestPostgres.target(schema), AT_ONCE)) {
            Datastore writer = writerStorage.datastore("ns");
            Datastore follower = followerStorage.datastore("ns");
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 300; i++) {
                        String key = "k" + random.nextInt(20);
                        if (random.nextInt(4) == 0) {
                            writer.delete(key);
                        } else {
                            writer.increment(key, 1);
                        }
                    }
                    return null;
                }));
            }
            Future<?> sweeping = pool.submit(() -> {
                while (writing.get()) {
                    sweeper.sweepFeed();
                    sweeps.incrementAndGet();
                }
                return null;
            });
            for (Future<?> writes : done) {
                writes.get(2, TimeUnit.MINUTES);
            }
            writing.set(false);
            sweeping.get(1, TimeUnit.MINUTES);
            sweeper.sweepFeed();
            writer.set("marker", 1);
            follower.awaitValue("marker", 1, Duration.ofSeconds(30));
            SortedMap<String, Long> expected = new TreeMap<>();
            sweeper.scan("ns", r -> expected.put(r.key(), r.rev())).join();
            SortedMap<String, Long> seen = new TreeMap<>();
            follower.snapshot().forEach((key, document) -> seen.put(key, document.rev()));
            assertThat(seen).isEqualTo(expected);
            assertThat(sweeps.get()).isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName(
            "a version-1 store is upgraded on open: its records and feed stay, its feed is trimmed and its writes lock"
                    + " their keys from then on")
    void versionOneIsUpgraded() throws SQLException {
        String schema = TestPostgres.freshSchema();
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema), AT_ONCE)) {
            put(backend, "k", 1);
            put(backend, "k", 2);
        }
        execute(
                schema,
                "DROP TABLE $s.datastore4j_feed_trimmed, $s.datastore4j_feed_sweep",
                "DROP INDEX $s.datastore4j_changes_key, $s.datastore4j_changes_xid",
                "ALTER TABLE $s.datastore4j_changes DROP COLUMN committed_at",
                "DROP FUNCTION $s.datastore4j_begin_batch",
                "DELETE FROM $s.datastore4j_schema_version WHERE version >= 2");
        try (PostgresBackend backend = PostgresBackend.open(TestPostgres.target(schema), AT_ONCE)) {
            assertThat(backend.read("ns", "k").join().orElseThrow().rev()).isEqualTo(2);
            assertThat(backend.changesAfter("ns", 0, 10).join().changes()).hasSize(2);
            assertThat(backend.sweepFeed()).isOne();
            assertThat(count(schema, "true")).isOne();
        }
        try (Connection admin = TestPostgres.admin();
                Statement sql = admin.createStatement();
                ResultSet rows = sql.executeQuery("SELECT array_agg(version ORDER BY version) FROM \"" + schema
                        + "\".datastore4j_schema_version")) {
            rows.next();
            assertThat((Integer[]) rows.getArray(1).getArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    @DisplayName("a retention that is not a duration is refused naming the setting")
    void badRetentionIsRefused() {
        assertThatThrownBy(() -> PostgresBackendProvider.retention(StorageOptions.fromQuery("feedRetention=soon")))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                .hasMessageContaining("feedRetention")
                .hasMessageContaining("soon");
        assertThat(PostgresBackendProvider.retention(StorageOptions.fromQuery("deleteRetention=P2D")))
                .isEqualTo(new FeedRetention(Duration.ofMinutes(10), Duration.ofDays(2)));
    }
}
