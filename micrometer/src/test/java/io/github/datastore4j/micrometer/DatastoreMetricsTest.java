package io.github.datastore4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.WaitTimeoutException;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DatastoreMetricsTest {

    @Test
    @DisplayName("operations by kind and outcome, failures by code, waits, commits, memory: each meter as the storage"
            + " counted")
    void metersShowTheStatistics() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Storage storage = Storage.open("memory:?durability=sync")) {
            new DatastoreMetrics(storage, Tags.of("store", "orders"), 0).bindTo(registry); // no snapshot reuse
            Datastore store = storage.datastore("orders");
            store.set("a", "x".repeat(100));
            store.set("b", 2);
            store.increment("n", 1);
            assertThatThrownBy(() -> store.put("a", 1, 99)).isInstanceOf(ConflictException.class);
            assertThatThrownBy(() -> store.awaitValue("b", 3, Duration.ofMillis(10)))
                    .isInstanceOf(WaitTimeoutException.class);
            CompletableFuture<?> pending = store.async().awaitValue("b", 4, Duration.ofMinutes(1));

            FunctionTimer sets = registry.get("datastore4j.operations")
                    .tags("operation", "set", "outcome", "success", "store", "orders", "backend", "memory")
                    .functionTimer();
            assertThat(sets.count()).isEqualTo(2);
            assertThat(sets.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("datastore4j.operations")
                            .tags("operation", "put", "outcome", "failure")
                            .functionTimer()
                            .count())
                    .isOne();
            assertThat(registry.get("datastore4j.operations.failures")
                            .tags("code", "CONFLICT")
                            .functionCounter()
                            .count())
                    .isOne();
            assertThat(registry.get("datastore4j.operations.failures")
                            .tags("code", "TIMEOUT")
                            .functionCounter()
                            .count())
                    .isOne();
            assertThat(registry.get("datastore4j.waits.timeouts")
                            .functionCounter()
                            .count())
                    .isOne();
            assertThat(registry.get("datastore4j.waits.pending").gauge().value())
                    .isOne();
            assertThat(registry.get("datastore4j.commits.mutations")
                            .functionCounter()
                            .count())
                    .isEqualTo(3);
            assertThat(registry.get("datastore4j.commits").functionTimer().count())
                    .isBetween(1.0, 3.0);
            assertThat(registry.get("datastore4j.commits.queued").gauge().value())
                    .isZero();
            assertThat(registry.get("datastore4j.memory").gauge().value()).isGreaterThan(100);
            assertThat(registry.get("datastore4j.memory").gauge().getId().getBaseUnit())
                    .isEqualTo("bytes");
            assertThat(registry.get("datastore4j.conflicts").functionCounter().count())
                    .as("one process: no other process to conflict with")
                    .isZero();

            store.set("b", 4);
            pending.get(30, TimeUnit.SECONDS);
            assertThat(registry.get("datastore4j.waits.pending").gauge().value())
                    .isZero();
        }
        assertThat(registry.getMeters()).extracting(Meter::getId).allSatisfy(id -> assertThat(id.getTag("backend"))
                .isEqualTo("memory"));
    }

    @Test
    @DisplayName("one snapshot serves the reads of a publication: a change shows once it is older than the reuse")
    void aSnapshotServesAPublication() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Storage storage = Storage.open("memory:")) {
            new DatastoreMetrics(storage, Tags.empty(), TimeUnit.MINUTES.toNanos(10)).bindTo(registry);
            storage.datastore("ns").set("k", 1);
            assertThat(registry.get("datastore4j.operations")
                            .tags("operation", "set", "outcome", "success")
                            .functionTimer()
                            .count())
                    .as("the snapshot taken at bind time, reused")
                    .isZero();
        }
    }

    @Test
    @DisplayName("the meters do not keep a storage the application dropped")
    void metersHoldTheStorageWeakly() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Storage storage = Storage.open("memory:");
        new DatastoreMetrics(storage).bindTo(registry);
        storage.close();
        WeakReference<Storage> dropped = new WeakReference<>(storage);
        storage = null;
        for (int i = 0; i < 50 && dropped.get() != null; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(20); // gives the collector time; the loop ends on its result, not the time
        }
        assertThat(dropped.get()).as("collected").isNull();
        assertThat(registry.get("datastore4j.memory").gauge().value()).isNaN();
    }
}
