package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How and when changes reach the backend, per durability mode, observed through {@link SharedMemoryBackendProvider}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DurabilityTest {
    private final SharedMemoryFixture shared = new SharedMemoryFixture("durability");
    private final SharedMemoryBackendProvider.Store backend = shared.backend;

    @AfterEach
    void close() {
        shared.close();
    }

    private Datastore open(String settings) {
        return shared.open(settings).datastore("ns");
    }

    /** Writes {@code key} and returns once its commit is inside the backend, held at the gate. */
    private CompletableFuture<Document> holdCommitOf(Datastore store, String key) throws InterruptedException {
        backend.holdCommits();
        CompletableFuture<Document> write = store.async().set(key, 0);
        assertThat(backend.awaitHeldCommit()).isTrue();
        return write;
    }

    @Test
    @DisplayName("a persistent backend defaults to sync: the write is in the backend when set returns")
    void syncIsDefaultAndImmediate() {
        Datastore store = open("");
        assertThat(shared.storages.get(0).durability()).isEqualTo(Durability.SYNC);
        store.set("k", 1);
        assertThat(backend.get("ns", "k")).isPresent();
        store.delete("k");
        assertThat(backend.get("ns", "k")).isEmpty();
    }

    @Test
    @DisplayName("sync writers queued behind a slow commit share the next one: group commit")
    void groupCommit() throws Exception {
        Datastore store = open("");
        CompletableFuture<Document> first = holdCommitOf(store, "first");
        List<CompletableFuture<Document>> queued = new ArrayList<>();
        for (int i = 0; i < 63; i++) {
            queued.add(store.async().set("writer-" + i, i)); // queued to the pipeline when the call returns
        }
        assertThat(queued).noneMatch(CompletableFuture::isDone);
        backend.releaseCommits();
        first.get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(backend.commits).containsExactly(1, 63);
    }

    @Test
    @DisplayName("several changes to one key in one commit reach the backend as its last value")
    void commitMergesChangesOfOneKey() throws Exception {
        Datastore store = open("");
        CompletableFuture<Document> first = holdCommitOf(store, "other");
        List<CompletableFuture<Long>> increments = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            increments.add(store.async().increment("counter", 1));
        }
        backend.releaseCommits();
        first.get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(increments.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(backend.commits).containsExactly(1, 1);
        assertThat(backend.get("ns", "counter").orElseThrow().rev()).isEqualTo(10);
    }

    @Test
    @DisplayName("a failed sync commit fails the write with BACKEND and its cause, and memory keeps the old value")
    void failedCommitIsUndone() {
        Datastore store = open("?retries=0"); // the injected failure must reach the caller, not be retried away
        store.set("k", "old");
        backend.failNextWrites.set(1);
        assertThatThrownBy(() -> store.set("k", "new"))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("No space left on device")
                .hasRootCauseInstanceOf(IOException.class);
        assertThat(store.get("k", String.class)).contains("old");
        assertThat(store.getDocument("k").orElseThrow().rev()).isEqualTo(1);
        assertThat(store.set("k", "newer").rev()).isEqualTo(2);
        assertThat(backend.get("ns", "k").orElseThrow().rev()).isEqualTo(2);
    }

    @Test
    @DisplayName("a failed create is undone: the key does not exist in memory either")
    void failedCreateIsUndone() {
        Datastore store = open("?retries=0");
        backend.failNextWrites.set(1);
        assertThatThrownBy(() -> store.increment("counter", 1)).isInstanceOf(BackendException.class);
        assertThat(store.get("counter")).isEmpty();
        assertThat(store.increment("counter", 1)).isEqualTo(1);
    }

    @Test
    @DisplayName("a change built on a write whose commit failed is refused, never committed, and undone")
    void changeBuiltOnFailedWriteIsRefused() throws Exception {
        Datastore store = open("?retries=0");
        CompletableFuture<Document> first = holdCommitOf(store, "other");
        CompletableFuture<Long> a = store.async().increment("counter", 1); // queued behind the held commit
        backend.letOneCommitThrough(); // "other" commits; the next commit, holding only a, reaches the gate
        assertThat(backend.awaitHeldCommit()).isTrue();
        first.get(30, TimeUnit.SECONDS);
        CompletableFuture<Long> b = store.async().increment("counter", 1); // built on a's value, in a later batch
        backend.failNextWrites.set(1);
        backend.releaseCommits();
        assertThatThrownBy(() -> a.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(BackendException.class);
        assertThatThrownBy(() -> b.get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(BackendException.class)
                .hasMessageContaining("followed a change of that key that failed");
        assertThat(backend.commits).as("b's batch never reached the backend").containsExactly(1);
        assertThat(store.get("counter")).isEmpty();
        assertThat(backend.get("ns", "counter")).isEmpty();
        assertThat(store.increment("counter", 5)).isEqualTo(5);
        assertThat(backend.get("ns", "counter").orElseThrow().rev()).isEqualTo(1);
    }

    @Test
    @DisplayName("waiters see an undone change go back")
    void waitersSeeUndo() throws Exception {
        Datastore store = open("?retries=0");
        store.set("k", 1);
        CompletableFuture<Document> backToOne = store.async()
                .awaitChange("k", null)
                .thenCompose(changed -> store.async().awaitValue("k", 1, null));
        backend.failNextWrites.set(1);
        assertThatThrownBy(() -> store.set("k", 2)).isInstanceOf(BackendException.class);
        assertThat(backToOne.get(30, TimeUnit.SECONDS).value().asInt()).isEqualTo(1);
    }

    @Test
    @DisplayName("interval durability leaves the backend alone until the auto-save, which writes only changed keys")
    void intervalAutosave() throws Exception {
        Datastore store = open("?durability=interval&autosave=1h");
        store.set("a", 1);
        store.set("b", 2);
        assertThat(backend.get("ns", "a")).isEmpty();
        store.save();
        assertThat(backend.commits).containsExactly(2);
        store.set("b", 3);
        store.save();
        assertThat(backend.commits).containsExactly(2, 1);
    }

    @Test
    @DisplayName("the interval auto-save runs by itself")
    void intervalRunsByItself() throws Exception {
        backend.committed = new CountDownLatch(1);
        Datastore store = open("?durability=interval&autosave=20ms");
        store.set("k", 1);
        assertThat(backend.committed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.get("ns", "k")).isPresent();
    }

    @Test
    @DisplayName("close runs a final save in interval mode")
    void finalSaveOnClose() {
        Datastore store = open("?durability=interval&autosave=1h");
        store.set("k", "kept");
        shared.storages.remove(0).close();
        assertThat(backend.get("ns", "k")).isPresent();
        assertThat(open("").get("k", String.class)).contains("kept");
    }

    @Test
    @DisplayName("none durability writes only on save()")
    void noneWritesOnlyOnSave() {
        Datastore store = open("?durability=none");
        store.set("k", 1);
        shared.storages.remove(0).close();
        assertThat(backend.get("ns", "k")).isEmpty();
    }

    @Test
    @DisplayName("a record that fails its checksum is reported by namespace and key; nothing is opened")
    void corruptRecord() {
        backend.data
                .computeIfAbsent("ns", n -> new ConcurrentSkipListMap<>())
                .put("bad", new Record("bad", 1, 0, 42L, "1".getBytes(StandardCharsets.UTF_8)));
        Storage storage = shared.open("");
        assertThatThrownBy(() -> storage.datastore("ns"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("'bad'")
                .hasMessageContaining("'ns'")
                .hasMessageContaining("checksum");
    }

    @Test
    @DisplayName("a record whose rev, key or namespace was changed outside datastore4j is CORRUPT, not a new truth")
    void identityIsChecksummed() {
        byte[] json = "1".getBytes(StandardCharsets.UTF_8);
        Record written = Record.of("ns", "k", 1, 0, json);
        Map<String, Record> records = backend.data.computeIfAbsent("ns", n -> new ConcurrentSkipListMap<>());
        records.put("k", new Record("k", 9, 0, written.checksum(), json));
        assertThatThrownBy(() -> shared.open("").datastore("ns"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("'k'")
                .hasMessageContaining("checksum");
        records.put("k", new Record("k2", 1, 0, written.checksum(), json));
        assertThatThrownBy(() -> shared.open("").datastore("ns")).isInstanceOf(CorruptDataException.class);
        backend.data.remove("ns");
        backend.data.put("other", new ConcurrentSkipListMap<>(Map.of("k", written)));
        assertThatThrownBy(() -> shared.open("").datastore("other")).isInstanceOf(CorruptDataException.class);
    }

    @Test
    @DisplayName("a record written by 0.1 (format-1 checksum) still loads")
    void formatOneRecordLoads() {
        byte[] json = "{\"hp\":3}".getBytes(StandardCharsets.UTF_8);
        backend.data
                .computeIfAbsent("ns", n -> new ConcurrentSkipListMap<>())
                .put("old", new Record("old", 4, 0, Record.legacyChecksumOf(json, new byte[0]), json));
        Datastore store = shared.open("").datastore("ns");
        assertThat(store.getDocument("old").orElseThrow().rev()).isEqualTo(4);
        store.set("old", 5);
        assertThat(backend.get("ns", "old").orElseThrow().checksumFormat()).isEqualTo(2);
    }

    @Test
    @DisplayName("with onCorrupt=quarantine a damaged record is moved aside and reported, and the rest loads")
    void quarantine() {
        backend.data
                .computeIfAbsent("ns", n -> new ConcurrentSkipListMap<>())
                .put("bad", new Record("bad", 1, 0, 42L, "1".getBytes(StandardCharsets.UTF_8)));
        backend.data.get("ns").put("good", Record.of("ns", "good", 3, 0, "2".getBytes(StandardCharsets.UTF_8)));
        Storage storage = shared.open("?onCorrupt=quarantine");
        Datastore store = storage.datastore("ns");
        assertThat(store.get("good", Integer.class)).contains(2);
        assertThat(store.get("bad")).isEmpty();
        assertThat(storage.quarantined()).singleElement().satisfies(report -> {
            assertThat(report.namespace()).isEqualTo("ns");
            assertThat(report.key()).isEqualTo("bad");
            assertThat(report.problem()).contains("checksum");
            assertThat(report.movedTo()).contains("quarantine");
        });
        assertThat(backend.quarantine).containsKey("ns/bad");
        assertThat(backend.get("ns", "bad")).isEmpty();
    }

    @Test
    @DisplayName("an unknown onCorrupt value is refused naming the choices")
    void badOnCorrupt() {
        assertThatThrownBy(() -> Storage.open(shared.uri("?onCorrupt=ignore")))
                .hasMessageContaining("ignore")
                .hasMessageContaining("fail, quarantine");
    }

    @Test
    @DisplayName("a record whose bytes are not JSON is reported as corrupt")
    void unparsableRecord() {
        backend.data
                .computeIfAbsent("ns", n -> new ConcurrentSkipListMap<>())
                .put("bad", Record.of("ns", "bad", 1, 0, "{not json".getBytes(StandardCharsets.UTF_8)));
        Storage storage = shared.open("");
        assertThatThrownBy(() -> storage.datastore("ns"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("'bad'");
    }

    @Test
    @DisplayName("a backend failing twice then recovering: with retries the write succeeds and nothing is undone")
    void transientFailureIsRetried() {
        Datastore store = open("?retries=3&retryBackoff=1ms");
        backend.failNextWrites.set(2);
        assertThat(store.set("k", 1).rev()).isEqualTo(1);
        assertThat(backend.get("ns", "k")).isPresent();
        assertThat(store.get("k", Integer.class)).contains(1);
    }

    @Test
    @DisplayName("a backend failing longer than the retries: the caller gets BACKEND and the change is undone")
    void persistentFailureReachesTheCaller() {
        Datastore store = open("?retries=2&retryBackoff=1ms");
        backend.failNextWrites.set(3);
        assertThatThrownBy(() -> store.set("k", 1))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("No space left on device");
        assertThat(store.get("k")).isEmpty();
        assertThat(backend.failNextWrites).hasValue(0);
    }

    @Test
    @DisplayName("a write the backend refuses fails alone: the other writes of its group commit")
    void refusedWriteFailsAlone() throws Exception {
        Datastore store = open("?retries=1&retryBackoff=1ms");
        store.set("poison", "old");
        backend.refusedKey = "poison";
        CompletableFuture<Document> first = holdCommitOf(store, "first");
        List<CompletableFuture<Document>> neighbours = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            neighbours.add(store.async().set("writer-" + i, i));
        }
        CompletableFuture<Document> poison = store.async().set("poison", "new");
        for (int i = 30; i < 60; i++) {
            neighbours.add(store.async().set("writer-" + i, i));
        }
        backend.releaseCommits();
        first.get(30, TimeUnit.SECONDS);
        for (CompletableFuture<Document> write : neighbours) {
            assertThat(write.get(30, TimeUnit.SECONDS).rev()).isEqualTo(1);
        }
        assertThat(poison)
                .failsWithin(30, TimeUnit.SECONDS)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause()
                .isInstanceOf(BackendException.class)
                .withMessageContaining("cannot store poison");
        assertThat(store.get("poison", String.class)).contains("old");
        assertThat(backend.get("ns", "writer-59")).isPresent();
    }

    @Test
    @DisplayName("datastore(name) racing close() fails with CLOSED, never BACKEND")
    void datastoreRacingCloseIsClosed() throws Exception {
        for (int round = 0; round < 200; round++) {
            Storage storage = Storage.open(shared.uri(""));
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Void> opener = CompletableFuture.runAsync(() -> {
                started.countDown();
                for (int i = 0; ; i++) {
                    storage.datastore("ns-" + i);
                }
            });
            started.await();
            storage.close();
            assertThat(opener)
                    .failsWithin(30, TimeUnit.SECONDS)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause()
                    .isInstanceOf(DatastoreException.class)
                    .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.CLOSED));
        }
    }

    @Test
    @DisplayName("awaitIdle returns once every async sync write before it is committed")
    void awaitIdle() throws Exception {
        Datastore store = open("");
        backend.holdCommits();
        store.async().set("a", 1);
        assertThat(backend.awaitHeldCommit()).isTrue();
        store.async().set("b", 2);
        CompletableFuture<Void> idle =
                CompletableFuture.runAsync(() -> shared.storages.get(0).awaitIdle());
        backend.releaseCommits();
        idle.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(backend.get("ns", "a")).isPresent();
        assertThat(backend.get("ns", "b")).isPresent();
    }

    @Test
    @DisplayName("bad retry and rate settings are refused naming the setting")
    void badSettings() {
        for (String bad : List.of(
                "retries=-1",
                "retries=x",
                "retryBackoff=0s",
                "writesPerSecond=0",
                "writesPerSecond=nan",
                "debug=yes")) {
            assertThatThrownBy(() -> open("?" + bad))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                    .hasMessageContaining(bad.substring(0, bad.indexOf('=')));
        }
    }

    @Test
    @DisplayName("debug=true logs one line per queued operation")
    void debugLogs() {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            Datastore store = open("?debug=true");
            store.set("k", 1);
            store.set("k", 2);
            store.delete("k");
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(log.lines().filter(line -> line.contains("queued for " + shared.uri(""))))
                .hasSize(3)
                .anySatisfy(line -> assertThat(line).endsWith("put ns/k rev 1"))
                .anySatisfy(line -> assertThat(line).endsWith("put ns/k rev 2"))
                .anySatisfy(line -> assertThat(line).endsWith("delete ns/k"));
    }
}
