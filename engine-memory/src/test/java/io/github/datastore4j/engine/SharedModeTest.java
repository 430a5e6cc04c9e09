package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.ChangesPage;
import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine's shared mode over {@link SharedMemoryStore}: each {@link Storage} opened on one store stands for a
 * process of its own, with its own cache and its own feed followers.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SharedModeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final SharedMemoryStore.ManualClock clock = new SharedMemoryStore.ManualClock();
    private final SharedMemoryStore store = SharedMemoryStore.create(clock);
    private final List<Storage> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(Storage::close);
        store.close();
    }

    private Storage process() {
        Storage storage = Storage.open(store.uri());
        opened.add(storage);
        return storage;
    }

    private SharedMemoryInstance instanceOf(int process) {
        return store.instances().get(process);
    }

    @Test
    @DisplayName("increments from 4 processes × 4 threads sum exactly, and every process reads the sum")
    void incrementsFromManyProcessesSumExactly() throws Exception {
        int processes = 4;
        int threads = 4;
        int each = 150;
        List<Datastore> stores = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            stores.add(process().datastore("swarm"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(processes * threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int p = 0; p < processes; p++) {
                Datastore mine = stores.get(p);
                for (int t = 0; t < threads; t++) {
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < each; i++) {
                            mine.increment("done", 1);
                        }
                        return null;
                    }));
                }
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        long expected = (long) processes * threads * each;
        for (Datastore mine : stores) {
            Document latest = mine.getLatest("done").orElseThrow();
            assertThat(latest.value().asLong()).isEqualTo(expected);
            assertThat(latest.rev()).isEqualTo(expected);
            assertThat(mine.awaitValue("done", expected, WAIT).rev())
                    .as("the cache catches up")
                    .isEqualTo(expected);
        }
    }

    @Test
    @DisplayName("a process reads its own write at once; another process's wait is woken by it")
    void ownWritesAtOnceOthersWaitsWoken() throws Exception {
        Datastore coordinator = process().datastore("jobs");
        Datastore worker = process().datastore("jobs");
        CompletableFuture<Document> waiting = coordinator.async().awaitValue("result", "ready", WAIT);
        worker.set("result", "ready");
        assertThat(worker.get("result")).map(JsonNode::asString).contains("ready");
        assertThat(waiting.get(30, TimeUnit.SECONDS).value().asString()).isEqualTo("ready");
        assertThat(coordinator.get("result")).map(JsonNode::asString).contains("ready");
        assertThat(coordinator.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("a process that fell behind a trimmed feed reloads from a snapshot: deletes seen, listeners told once")
    void aFollowerBehindATrimmedFeedReloadsFromASnapshot() throws Exception {
        Datastore behind = process().datastore("docs");
        Datastore writer = process().datastore("docs");
        writer.set("changed", 1);
        writer.set("deleted", 1);
        writer.set("kept", 1);
        behind.awaitValue("kept", 1, WAIT);
        List<String> told = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(3);
        AtomicBoolean recording = new AtomicBoolean(); // not subscribe's initial pass
        behind.subscribe((key, document) -> {
            if (recording.get()) {
                told.add(key + "="
                        + (document == null ? "deleted" : document.value().toString()));
                three.countDown();
            }
        });
        recording.set(true);
        SharedMemoryInstance instance = instanceOf(0);
        instance.failNext(SharedMemoryInstance.Call.CHANGES_AFTER, Integer.MAX_VALUE);
        writer.set("changed", 2);
        writer.delete("deleted");
        writer.set("added", 1);
        store.trimFeed(instanceOf(1).head().join(), true); // the delete's change is gone
        instance.clearFaults(SharedMemoryInstance.Call.CHANGES_AFTER);
        assertThat(three.await(30, TimeUnit.SECONDS)).as("three changes told").isTrue();
        assertThat(told).containsExactlyInAnyOrder("changed=2", "deleted=deleted", "added=1");
        assertThat(behind.get("deleted")).isEmpty();
        assertThat(behind.get("changed")).map(JsonNode::asInt).contains(2);
        assertThat(behind.size()).isEqualTo(3);
        writer.set("after", 1);
        assertThat(behind.awaitValue("after", 1, WAIT).rev())
                .as("it follows on")
                .isEqualTo(1);
        assertThat(told).as("nothing told of the unchanged key").noneMatch(event -> event.startsWith("kept"));
    }

    @Test
    @DisplayName("changes() from before a dropped delete is TRIMMED; from 0 it holds every live key's latest change")
    void changesFromBeforeADroppedDeleteIsTrimmed() {
        Datastore docs = process().datastore("docs");
        docs.set("a", 1);
        docs.set("b", 1);
        long before = docs.changes(0, 10).next();
        docs.set("a", 2);
        docs.delete("b");
        store.trimFeed(instanceOf(0).head().join(), true);
        assertThatThrownBy(() -> docs.changes(before, 10))
                .isInstanceOf(DatastoreException.class)
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.TRIMMED))
                .hasMessageContaining("read it again from 0");
        ChangesPage all = docs.changes(0, 10);
        assertThat(all.changes())
                .extracting(change -> change.key() + "="
                        + change.document().map(d -> d.value().asInt()).orElse(-1))
                .containsExactly("a=2");
    }

    @Test
    @DisplayName("put with a revision is CONFLICT across processes; setOnce wins in one process only")
    void optimisticWritesAcrossProcesses() {
        Datastore a = process().datastore("docs");
        Datastore b = process().datastore("docs");
        a.set("doc", 1);
        long rev = b.getLatest("doc").orElseThrow().rev();
        assertThat(a.put("doc", 2, rev).rev()).isEqualTo(rev + 1);
        assertThatThrownBy(() -> b.put("doc", 3, rev)).isInstanceOf(ConflictException.class);
        assertThat(b.put("doc", 3, rev + 1).value().asInt())
                .as("b decides on the backend's record")
                .isEqualTo(3);

        assertThat(a.setOnce("leader", "a")).isTrue();
        assertThat(b.setOnce("leader", "b"))
                .as("b's cache has not seen a's write, the backend has")
                .isFalse();
        assertThat(b.getLatest("leader").orElseThrow().value().asString()).isEqualTo("a");
    }

    @Test
    @DisplayName("a listener in another process sees every change of a key, in order")
    void listenersSeeOtherProcessesChangesInOrder() throws Exception {
        Datastore writer = process().datastore("events");
        Datastore reader = process().datastore("events");
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<Integer> own = new CopyOnWriteArrayList<>();
        writer.subscribe((key, document) -> own.add(document.value().asInt()));
        CountDownLatch last = new CountDownLatch(1);
        try (var subscription = reader.subscribe((key, document) -> {
            if (document != null) {
                seen.add(document.value().asInt());
                if (document.value().asInt() == 200) {
                    last.countDown();
                }
            }
        })) {
            for (int i = 1; i <= 200; i++) {
                writer.async().set("k", i);
            }
            assertThat(last.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(seen).isSorted().doesNotHaveDuplicates().endsWith(200);
        writer.getLatest("k"); // the writer's follower has read its own changes back by now
        assertThat(own)
                .as("the writer hears its own changes once, when they commit, not again from the feed")
                .hasSize(200)
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("getLatest and changes(since) see what another process committed, and changes resume from next")
    void latestReadAndPublicFeed() {
        Datastore a = process().datastore("feed");
        Datastore b = process().datastore("feed");
        for (int i = 0; i < 30; i++) {
            a.set("k" + i, i);
        }
        a.delete("k3");
        assertThat(b.getLatest("k29").orElseThrow().value().asInt()).isEqualTo(29);
        assertThat(b.getLatest("k3")).isEmpty();
        ChangesPage first = b.changes(0, 20);
        assertThat(first.changes()).hasSize(20);
        ChangesPage rest = b.changes(first.next(), 100);
        List<ChangesPage.Change> all = new ArrayList<>(first.changes());
        all.addAll(rest.changes());
        assertThat(all).extracting(ChangesPage.Change::key).hasSize(31).endsWith("k3");
        assertThat(all.get(30).document()).as("a delete").isEmpty();
        assertThat(all).extracting(ChangesPage.Change::seq).isSorted().doesNotHaveDuplicates();
        assertThat(b.changes(rest.next(), 100).changes()).isEmpty();
        try (Storage solo = Storage.open("memory:")) {
            assertThatThrownBy(() -> solo.datastore("x").changes(0, 10))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("keeps no change feed");
        }
    }

    @Test
    @DisplayName("a lost wake-up hint is made up by the heartbeat")
    void lostHintsAreMadeUp() throws Exception {
        Datastore a = process().datastore("hints");
        Datastore b = process().datastore("hints");
        a.set("before", 1);
        b.getLatest("before"); // b's follower has read up to now and waits for the next hint or heartbeat
        instanceOf(1).dropHints(true);
        a.set("k", "v");
        assertThat(b.awaitValue("k", "v", WAIT).value().asString()).isEqualTo("v");
        assertThat(instanceOf(1).hintsDropped()).isPositive();
    }

    @Test
    @DisplayName("a feed that fails for a while is read again from where it stood: nothing missed or twice")
    void aFailingFeedResumes() throws Exception {
        Datastore a = process().datastore("resume");
        Datastore b = process().datastore("resume");
        List<Integer> seen = new CopyOnWriteArrayList<>();
        CountDownLatch last = new CountDownLatch(1);
        b.subscribe((key, document) -> {
            seen.add(document.value().asInt());
            if (document.value().asInt() == 50) {
                last.countDown();
            }
        });
        instanceOf(1).failNext(SharedMemoryInstance.Call.CHANGES_AFTER, 3);
        for (int i = 1; i <= 50; i++) {
            a.set("k", i);
        }
        assertThat(last.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).isSorted().doesNotHaveDuplicates().endsWith(50);
    }

    @Test
    @DisplayName("a commit whose outcome is unknown fails with BACKEND and is not applied twice")
    void anUnknownOutcomeIsNotRetried() {
        Datastore a = process().datastore("unknown");
        a.set("n", 0);
        instanceOf(0).failNextAfterApplying(SharedMemoryInstance.Call.WRITE_CONDITIONALLY, 1);
        assertThatThrownBy(() -> a.increment("n", 1))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("may or may not have taken effect")
                .extracting(e -> ((DatastoreException) e).code())
                .isEqualTo(ErrorCode.BACKEND);
        assertThat(a.getLatest("n").orElseThrow().value().asInt())
                .as("applied once")
                .isEqualTo(1);
        assertThat(a.increment("n", 1))
                .as("decided again on the backend's record")
                .isEqualTo(2);
    }

    @Test
    @DisplayName("a lone blocking write commits on its caller's thread; an async one never does")
    void aLoneBlockingWriteCommitsOnItsCallersThread() throws Exception {
        Datastore a = process().datastore("inline");
        a.set("k", 1);
        assertThat(instanceOf(0).lastWriter()).as("blocking set").isSameAs(Thread.currentThread());
        assertThat(a.increment("n", 2)).isEqualTo(2);
        assertThat(instanceOf(0).lastWriter()).as("blocking increment").isSameAs(Thread.currentThread());
        a.async().set("k", 2).get(30, TimeUnit.SECONDS);
        assertThat(instanceOf(0).lastWriter()).as("async set").isNotSameAs(Thread.currentThread());
        assertThat(a.getLatest("k").orElseThrow().value().asInt()).isEqualTo(2);
    }

    @Test
    @DisplayName("a blocking write that finds a commit under way waits for the next batch instead of passing it")
    void aBlockingWriteDoesNotPassACommitUnderWay() throws Exception {
        Storage storage = process();
        Datastore a = storage.datastore("inline");
        SharedMemoryInstance.HeldBatch held = instanceOf(0).holdNextBatch();
        CompletableFuture<Document> first = a.async().set("first", 1);
        held.awaitHeld(WAIT);
        Thread writer = instanceOf(0).lastWriter();
        CompletableFuture<Document> second = CompletableFuture.supplyAsync(() -> a.set("second", 1));
        // the second write is queued behind the held batch: the commit thread sends it once the batch is answered
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (storage.statistics().commits().queued() < 2) {
            assertThat(System.nanoTime()).as("the second write is queued").isLessThan(deadline);
            assertThat(second).as("the second write, while the first is held").isNotDone();
            Thread.onSpinWait();
        }
        assertThat(second).isNotDone();
        assertThat(instanceOf(0).lastWriter())
                .as("no second send while the first is held")
                .isSameAs(writer);
        held.release();
        assertThat(first.get(30, TimeUnit.SECONDS).rev()).isEqualTo(1);
        assertThat(second.get(30, TimeUnit.SECONDS).rev()).isEqualTo(1);
        assertThat(instanceOf(0).lastWriter()).as("sent by the commit thread").isSameAs(writer);
        Datastore b = process().datastore("inline");
        assertThat(b.getLatest("second").orElseThrow().value().asInt()).isEqualTo(1);
    }

    @Test
    @DisplayName("a change that commits late with a smaller position reaches every process, none skipped")
    void aLateCommitIsNotSkipped() throws Exception {
        Datastore a = process().datastore("late");
        Datastore b = process().datastore("late");
        Datastore reader = process().datastore("late");
        SharedMemoryInstance.HeldBatch held = instanceOf(0).holdNextBatch();
        CompletableFuture<Document> late = a.async().set("late", 1);
        held.awaitHeld(WAIT);
        b.set("early", 1);
        assertThat(reader.get("late")).isEmpty();
        held.release();
        late.get(30, TimeUnit.SECONDS);
        assertThat(reader.awaitValue("late", 1, WAIT).rev()).isEqualTo(1);
        assertThat(reader.awaitValue("early", 1, WAIT).rev()).isEqualTo(1);
    }

    @Test
    @DisplayName("several processes opening under one schema migrate each record exactly once")
    void migrationOnceAcrossProcesses() throws Exception {
        Datastore old = process().datastore("profiles");
        for (int i = 0; i < 300; i++) {
            old.set("p" + i, Map.of("name", "n" + i));
        }
        AtomicInteger steps = new AtomicInteger();
        Schema schema = Schema.builder()
                .migrate(0, value -> {
                    steps.incrementAndGet();
                    return ((ObjectNode) value).put("coins", 0);
                })
                .seed(Map.of("never", 1))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Datastore>> opening = new ArrayList<>();
        try {
            for (int p = 0; p < 4; p++) {
                Storage storage = process();
                opening.add(pool.submit(() -> storage.datastore("profiles", schema)));
            }
            for (Future<Datastore> future : opening) {
                Datastore profiles = future.get(1, TimeUnit.MINUTES);
                Document one = profiles.getLatest("p7").orElseThrow();
                assertThat(one.rev()).as("migrated once: rev 1 → 2").isEqualTo(2);
                assertThat(one.schemaVersion()).isEqualTo(1);
                assertThat(one.value().get("coins").asInt()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 300; i++) {
            assertThat(old.getLatest("p" + i).orElseThrow().rev()).isEqualTo(2);
        }
        assertThat(old.getLatest("never"))
                .as("a namespace that holds records is not seeded")
                .isEmpty();
        assertThat(steps.get())
                .as("a step may run in several processes; it commits once")
                .isGreaterThanOrEqualTo(300);
    }

    @Test
    @DisplayName("seeds are written once when several processes open an empty namespace")
    void seedsOnceAcrossProcesses() throws Exception {
        Schema schema =
                Schema.builder().seed(Map.of("config", Map.of("max", 8))).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Datastore>> opening = new ArrayList<>();
        try {
            for (int p = 0; p < 4; p++) {
                Storage storage = process();
                opening.add(pool.submit(() -> storage.datastore("settings", schema)));
            }
            for (Future<Datastore> future : opening) {
                Document config =
                        future.get(1, TimeUnit.MINUTES).getLatest("config").orElseThrow();
                assertThat(config.rev()).isEqualTo(1);
                assertThat(config.value().get("max").asInt()).isEqualTo(8);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("a session's lease is the backend's: held across processes, taken over when it runs out, fenced")
    void sessionsAcrossProcesses() {
        Datastore a = process().datastore("players");
        Datastore b = process().datastore("players");
        Session first = a.acquire("ann", Duration.ofSeconds(10));
        assertThatThrownBy(() -> b.acquire("ann", Duration.ofSeconds(10)))
                .isInstanceOf(LockedException.class)
                .hasMessageContaining("held by another session");
        first.set(Map.of("coins", 5));
        first.save();
        clock.advance(Duration.ofSeconds(11)); // a's process stops renewing: its lease runs out by the store's clock
        Session second = b.acquire("ann", Duration.ofSeconds(10));
        assertThat(second.token()).isGreaterThan(first.token());
        assertThat(second.value().get("coins").asInt())
                .as("starts from the last save")
                .isEqualTo(5);
        first.set(Map.of("coins", 999));
        assertThatThrownBy(first::save).isInstanceOf(LockedException.class);
        assertThatThrownBy(() -> first.renew(Duration.ofSeconds(10))).isInstanceOf(LockedException.class);
        second.set(Map.of("coins", 6));
        second.save();
        second.close();
        assertThat(a.getLatest("ann").orElseThrow().value().get("coins").asInt())
                .isEqualTo(6);
        Session third = a.acquire("ann", Duration.ofSeconds(10));
        assertThat(third.value().get("coins").asInt()).isEqualTo(6);
        third.close();
    }

    @Test
    @DisplayName("a damaged record fails the open naming its key; under onCorrupt=quarantine it is moved aside once,"
            + " the rest loads, and a process already open drops it")
    void damagedRecordInASharedStore() {
        SharedMemoryInstance raw = store.open();
        raw.write(List.of(
                        Mutation.put("ns", Record.of("ns", "good", 1, 0, "2".getBytes(StandardCharsets.UTF_8))),
                        Mutation.put("ns", Record.of("ns", "bad", 1, 0, "1".getBytes(StandardCharsets.UTF_8)))))
                .join();
        Datastore before = process().datastore("ns");
        assertThat(before.get("bad", Integer.class)).contains(1);
        // damaged outside datastore4j: same revision, a checksum that no longer fits
        raw.write(List.of(Mutation.put("ns", new Record("bad", 1, 0, 42L, "1".getBytes(StandardCharsets.UTF_8)))))
                .join();
        assertThatThrownBy(() -> process().datastore("ns"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("'bad'")
                .hasMessageContaining("onCorrupt=quarantine");
        Storage quarantining = Storage.open(store.uri() + "?onCorrupt=quarantine");
        opened.add(quarantining);
        Datastore after = quarantining.datastore("ns");
        assertThat(after.get("good", Integer.class)).contains(2);
        assertThat(after.get("bad")).isEmpty();
        assertThat(quarantining.quarantined()).singleElement().satisfies(report -> {
            assertThat(report.key()).isEqualTo("bad");
            assertThat(report.problem()).contains("checksum");
            assertThat(report.movedTo()).contains("quarantine");
        });
        assertThat(store.quarantined()).containsOnlyKeys("ns/bad");
        assertThat(raw.read("ns", "bad").join()).isEmpty();
        after.set("marker", 1); // after the quarantine's delete in the feed: once it arrives, so has the delete
        before.awaitValue("marker", 1, WAIT);
        assertThat(before.get("bad")).as("the other process dropped the key").isEmpty();
        assertThat(before.get("good", Integer.class)).contains(2);
    }

    @Test
    @DisplayName("a quarantine moves nothing once another process rewrote the damaged record")
    void quarantineLeavesARewrittenRecord() {
        SharedMemoryInstance raw = store.open();
        raw.write(List.of(Mutation.put("ns", Record.of("ns", "k", 2, 0, "2".getBytes(StandardCharsets.UTF_8)))))
                .join();
        String answer =
                raw.quarantine(new Damaged("ns", "k", null, "checksum", 1)).join();
        assertThat(answer).contains("revision 2");
        assertThat(store.quarantined()).isEmpty();
        assertThat(raw.read("ns", "k").join()).isPresent();
        assertThat(raw.quarantine(new Damaged("ns", "k", null, "checksum", 2)).join())
                .contains("quarantine");
        assertThat(raw.read("ns", "k").join()).isEmpty();
    }
}
