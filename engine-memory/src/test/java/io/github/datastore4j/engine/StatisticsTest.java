package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.InvalidKeyException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageStatistics;
import io.github.datastore4j.api.WaitTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Storage#statistics()}: what the counters say after known work, one-process and shared. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class StatisticsTest {

    @Test
    @DisplayName("operations are counted by kind and outcome with their time, failures by error code")
    void operationsByKindAndOutcome() {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            store.set("a", 1);
            store.set("b", Map.of("x", "y"));
            store.increment("n", 2);
            store.increment("n", 3);
            store.get("a");
            store.get("missing");
            store.async().get("a").join();
            assertThatThrownBy(() -> store.put("a", 9, 42)).isInstanceOf(ConflictException.class);
            assertThatThrownBy(() -> store.set("", 1)).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> store.push(null, 1)).isInstanceOf(NullPointerException.class);
            StorageStatistics statistics = storage.statistics();
            assertThat(statistics.backend()).isEqualTo("memory");
            assertThat(statistics.operation("set").succeeded()).isEqualTo(2);
            assertThat(statistics.operation("set").failed()).isOne();
            assertThat(statistics.operation("set").failures()).containsOnlyKeys("INVALID_KEY");
            assertThat(statistics.operation("increment").succeeded()).isEqualTo(2);
            assertThat(statistics.operation("get").succeeded()).isEqualTo(3);
            assertThat(statistics.operation("put").failures()).isEqualTo(Map.of("CONFLICT", 1L));
            assertThat(statistics.operation("push").failures()).isEqualTo(Map.of("NullPointerException", 1L));
            assertThat(statistics.operation("set").succeededNanos()).isPositive();
            assertThat(statistics.operation("delete").succeeded()).isZero();
            assertThat(statistics.operations())
                    .extracting(StorageStatistics.OperationStatistics::operation)
                    .contains("awaitValue", "acquire", "queryKeys", "getLatest", "changes")
                    .doesNotHaveDuplicates();
            assertThatThrownBy(() -> statistics.operation("fly")).hasMessageContaining("'fly'");
        }
    }

    @Test
    @DisplayName(
            "a blocked wait is pending until it ends; one that gives up is a timeout, of the wait and of the waits")
    void waitsPendingAndTimedOut() throws Exception {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            CompletableFuture<?> waiting = store.async().awaitValue("k", 5, Duration.ofMinutes(1));
            assertThat(storage.statistics().waits().pending()).isOne();
            store.set("k", 5);
            waiting.get(30, TimeUnit.SECONDS);
            assertThat(storage.statistics().waits().pending()).isZero();
            assertThatThrownBy(() -> store.awaitValue("k", 6, Duration.ofMillis(20)))
                    .isInstanceOf(WaitTimeoutException.class);
            StorageStatistics statistics = storage.statistics();
            assertThat(statistics.waits().timedOut()).isOne();
            assertThat(statistics.waits().pending()).isZero();
            assertThat(statistics.operation("awaitValue").succeeded()).isOne();
            assertThat(statistics.operation("awaitValue").failures()).isEqualTo(Map.of("TIMEOUT", 1L));
        }
    }

    @Test
    @DisplayName("commits count the batches and changes the backend took, and nothing stays queued once they are done")
    void commitsAndQueue() throws Exception {
        try (Storage storage = Storage.open("memory:?durability=sync")) {
            Datastore store = storage.datastore("ns");
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                writes.add(store.async().set("k" + i, i));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            StorageStatistics.CommitStatistics commits = storage.statistics().commits();
            assertThat(commits.mutations()).isEqualTo(200);
            assertThat(commits.commits()).isBetween(1L, 200L);
            assertThat(commits.largestBatch()).isBetween(1L, 200L);
            assertThat(commits.failures()).isZero();
            assertThat(commits.queued()).isZero();
            assertThat(commits.totalNanos()).isPositive();
        }
    }

    @Test
    @DisplayName("bytes in memory follow the values held: they grow with a set and go back to zero when all is deleted")
    void bytesInMemory() {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            assertThat(storage.statistics().bytesInMemory()).isZero();
            store.set("k", "x".repeat(1000));
            long one = storage.statistics().bytesInMemory();
            assertThat(one).isBetween(1002L, 1100L);
            store.set("k", "x".repeat(10));
            assertThat(storage.statistics().bytesInMemory()).isBetween(12L, 100L);
            store.set("j", "y".repeat(1000));
            store.delete("k");
            store.delete("j");
            assertThat(storage.statistics().bytesInMemory()).isZero();
        }
    }

    @Test
    @DisplayName("on a shared store, increments racing from two processes count conflicts and retries, and sum exactly")
    void sharedConflictsAndRetries() throws Exception {
        try (SharedMemoryStore shared = SharedMemoryStore.create(new SharedMemoryStore.ManualClock());
                Storage one = Storage.open(shared.uri());
                Storage two = Storage.open(shared.uri())) {
            Datastore a = one.datastore("ns");
            Datastore b = two.datastore("ns");
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (Datastore store : List.of(a, b, a, b)) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            store.increment("n", 1);
                        }
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get(1, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(a.getLatest("n").orElseThrow().value().asLong()).isEqualTo(800);
            StorageStatistics first = one.statistics();
            StorageStatistics second = two.statistics();
            assertThat(first.conflicts() + second.conflicts()).isPositive();
            assertThat(first.retries() + second.retries()).isEqualTo(first.conflicts() + second.conflicts());
            assertThat(first.operation("increment").succeeded()
                            + second.operation("increment").succeeded())
                    .isEqualTo(800);
            assertThat(first.commits().mutations() + second.commits().mutations())
                    .as("each committed write once")
                    .isEqualTo(800);
        }
    }
}
