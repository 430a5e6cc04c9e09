package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ThreadRace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Many threads against one store: no lost update, no double winner, no missed wake-up. Threads start together on a
 * latch; nothing sleeps. Runs over {@code none} and {@code sync} durability, so both the in-memory path and the
 * commit pipeline are raced.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
    private final List<Storage> storages = new ArrayList<>();
    private ExecutorService pool;

    @BeforeEach
    void startPool() {
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
        storages.forEach(Storage::close);
    }

    private Datastore open(String durability) {
        Storage storage = Storage.open("memory:?durability=" + durability);
        storages.add(storage);
        return storage.datastore("race");
    }

    @ParameterizedTest(name = "durability {0}")
    @ValueSource(strings = {"none", "sync"})
    @DisplayName("8 threads × 10,000 increments sum exactly, one rev per increment")
    void incrementsSumExactly(String durability) throws Exception {
        Datastore store = open(durability);
        ThreadRace.run(8, thread -> {
            for (int i = 0; i < 10_000; i++) {
                store.increment("completed", 1);
            }
        });
        assertThat(store.get("completed", Long.class)).contains(80_000L);
        assertThat(store.getDocument("completed").orElseThrow().rev()).isEqualTo(80_000);
    }

    @ParameterizedTest(name = "durability {0}")
    @ValueSource(strings = {"none", "sync"})
    @DisplayName("every increment returns a distinct value: each saw all the ones before it")
    void incrementResultsAreDistinct(String durability) throws Exception {
        Datastore store = open(durability);
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        ThreadRace.run(8, thread -> {
            for (int i = 0; i < 2_000; i++) {
                assertThat(seen.add(store.increment("c", 1))).isTrue();
            }
        });
        assertThat(seen).hasSize(16_000).contains(1L, 16_000L);
    }

    @RepeatedTest(20)
    @DisplayName("100 threads racing setOnce give exactly one true, and the winner's value is stored")
    void setOnceHasOneWinner() throws Exception {
        Datastore store = open("none");
        AtomicInteger winners = new AtomicInteger();
        AtomicInteger winner = new AtomicInteger(-1);
        ThreadRace.run(100, thread -> {
            if (store.setOnce("leader", thread)) {
                winners.incrementAndGet();
                winner.set(thread);
            }
        });
        assertThat(winners).hasValue(1);
        assertThat(store.get("leader", Integer.class)).contains(winner.get());
    }

    @ParameterizedTest(name = "durability {0}")
    @ValueSource(strings = {"none", "sync"})
    @DisplayName("8 threads × 1,000 pushes lose no item, and each thread's items keep their order")
    void pushesLoseNothing(String durability) throws Exception {
        Datastore store = open(durability);
        ThreadRace.run(8, thread -> {
            for (int i = 0; i < 1_000; i++) {
                store.push("results", thread * 10_000 + i);
            }
        });
        JsonNode results = store.get("results").orElseThrow();
        assertThat(results.size()).isEqualTo(8_000);
        Set<Integer> items = new HashSet<>();
        int[] lastPerThread = new int[8];
        Arrays.fill(lastPerThread, -1);
        for (JsonNode item : results) {
            int value = item.asInt();
            items.add(value);
            int thread = value / 10_000;
            assertThat(value % 10_000).isGreaterThan(lastPerThread[thread]);
            lastPerThread[thread] = value % 10_000;
        }
        assertThat(items).hasSize(8_000);
    }

    @RepeatedTest(20)
    @DisplayName("awaitValue on a counter that 5 workers drive to 5 always returns")
    void awaitValueAlwaysReturns() throws Exception {
        Datastore store = open("none");
        store.set("completed", 0);
        CompletableFuture<Document> coordinator =
                CompletableFuture.supplyAsync(() -> store.awaitValue("completed", 5, Duration.ofSeconds(60)), pool);
        ThreadRace.run(5, thread -> store.increment("completed", 1));
        assertThat(coordinator.get(60, TimeUnit.SECONDS).value().asInt()).isEqualTo(5);
    }

    @Test
    @DisplayName("awaitChange reports a change queued before the call but applied after it")
    void awaitChangeSeesChangeQueuedBeforeIt() throws Exception {
        Datastore store = open("none");
        long rev = store.set("k", 0).rev();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Document> slow = CompletableFuture.supplyAsync(
                () -> store.update("k", value -> {
                    inside.countDown(); // the key's queue is busy with this change, not yet applied
                    await(release);
                    return JsonNodeFactory.instance.numberNode(value.asInt() + 1);
                }),
                pool);
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(store.getDocument("k").orElseThrow().rev())
                .as("what the caller reads")
                .isEqualTo(rev);
        CompletableFuture<Optional<Document>> change = store.async().awaitChange("k", Duration.ofSeconds(30));
        release.countDown();

        assertThat(change.get(30, TimeUnit.SECONDS).orElseThrow().rev()).isEqualTo(rev + 1);
        assertThat(slow.get(30, TimeUnit.SECONDS).rev()).isEqualTo(rev + 1);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("awaitChange never misses a change: a chain of waiters sees every value in order")
    void awaitChangeMissesNothing() throws Exception {
        Datastore store = open("none");
        store.set("seq", 0);
        int changes = 2_000;
        // read here, not in the observer: under load the observer may start only after the writer is done, and
        // would then wait for a change after the last one (this test hung so, twice, with the engine right)
        long startRev = store.getDocument("seq").orElseThrow().rev();
        CompletableFuture<List<Integer>> observer = CompletableFuture.supplyAsync(
                () -> {
                    List<Integer> observed = new ArrayList<>();
                    long rev = startRev;
                    while (observed.size() < changes) {
                        // register, then check the rev we last saw: a change in between is caught by the rev
                        CompletableFuture<Optional<Document>> next =
                                store.async().awaitChange("seq", Duration.ofSeconds(60));
                        Document now = store.getDocument("seq").orElseThrow();
                        if (now.rev() == rev) {
                            now = next.join().orElseThrow();
                        } else {
                            next.cancel(false);
                        }
                        for (long r = rev + 1; r <= now.rev(); r++) {
                            observed.add((int) r - 1);
                        }
                        rev = now.rev();
                    }
                    return observed;
                },
                pool);
        ThreadRace.run(1, thread -> {
            for (int i = 1; i <= changes; i++) {
                store.increment("seq", 1);
            }
        });
        assertThat(observer.get(60, TimeUnit.SECONDS)).hasSize(changes).isSorted();
    }

    @Test
    @DisplayName("keys created and deleted while others increment them lose no operation")
    void slotRetirementLosesNothing() throws Exception {
        Datastore store = open("none");
        AtomicLong creations = new AtomicLong();
        AtomicLong deletions = new AtomicLong();
        ThreadRace.run(4, thread -> {
            for (int i = 0; i < 20_000; i++) {
                String key = "k" + (i % 4);
                if (thread % 2 == 0) {
                    if (store.increment(key, 1) == 1) {
                        creations.incrementAndGet();
                    }
                } else if (store.delete(key)) {
                    deletions.incrementAndGet();
                }
            }
        });
        long existing = store.size();
        assertThat(creations.get()).isEqualTo(deletions.get() + existing);
    }

    @Test
    @DisplayName("different keys are updated in parallel without interfering")
    void independentKeys() throws Exception {
        Datastore store = open("sync");
        ThreadRace.run(8, thread -> {
            for (int i = 0; i < 2_000; i++) {
                store.increment("counter-" + thread, 1);
                store.push("log-" + (thread % 2), i);
            }
        });
        for (int t = 0; t < 8; t++) {
            assertThat(store.get("counter-" + t, Long.class)).contains(2_000L);
        }
        assertThat(store.get("log-0").orElseThrow().size()).isEqualTo(8_000);
        assertThat(store.get("log-1").orElseThrow().size()).isEqualTo(8_000);
    }

    @Test
    @DisplayName("paging with a cursor while others write neither skips nor repeats a key that exists throughout")
    void cursorStableUnderWrites() throws Exception {
        Datastore store = open("none");
        for (int i = 0; i < 2_000; i++) {
            store.set(String.format("stable-%05d", i), i);
        }
        CompletableFuture<Void> writer = CompletableFuture.runAsync(
                () -> {
                    for (int i = 0; i < 20_000; i++) {
                        String key = String.format("stable-%05d-churn", i % 2_000);
                        if (i % 2 == 0) {
                            store.set(key, i);
                        } else {
                            store.delete(key);
                        }
                    }
                },
                pool);
        KeyQuery query = KeyQuery.builder().limit(37).build();
        List<String> stable = new ArrayList<>();
        Page page = store.queryKeys(query);
        while (true) {
            page.keys().stream().filter(k -> !k.endsWith("churn")).forEach(stable::add);
            if (page.nextCursor().isEmpty()) {
                break;
            }
            page = store.queryKeys(query.withCursor(page.nextCursor().get()));
        }
        writer.get(60, TimeUnit.SECONDS);
        assertThat(stable).hasSize(2_000).doesNotHaveDuplicates().isSorted();
    }
}
