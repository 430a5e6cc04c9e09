package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaitResourcesTest {
    private final Storage storage = Storage.open("memory:");
    private final Datastore store = storage.datastore("waits");

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    @DisplayName("10,000 async waiters park no thread and are all woken by one change")
    void asyncWaitersParkNoThread() throws Exception {
        int threadsBefore = Thread.activeCount();
        List<CompletableFuture<Document>> waiters = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            waiters.add(store.async().awaitValue("go", true, Duration.ofMinutes(5)));
        }
        assertThat(Thread.activeCount() - threadsBefore)
                .as("threads started for 10,000 waiters")
                .isLessThanOrEqualTo(1); // the one shared timer thread
        store.set("go", true);
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("waiters that time out are dropped, not kept until the key changes")
    void timedOutWaitersAreDropped() {
        for (int i = 0; i < 1_000; i++) {
            CompletableFuture<Document> wait = store.async().awaitValue("never", 1, Duration.ZERO);
            assertThat(wait).failsWithin(Duration.ofSeconds(30));
        }
        store.set("never", 2); // prunes the dead waiters; the slot can then retire after delete
        store.delete("never");
        assertThat(store.contains("never")).isFalse();
    }

    @Test
    @DisplayName("an interrupted blocking wait raises INTERRUPTED and keeps the interrupt flag")
    void interruptedWait() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                store.awaitValue("k", 1);
            } catch (Throwable t) {
                thrown.set(t);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        // wait until the thread is parked in the wait, then interrupt it
        while (waiter.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        waiter.interrupt();
        waiter.join(30_000);
        assertThat(thrown.get()).isInstanceOfSatisfying(DatastoreException.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.INTERRUPTED));
        assertThat(flag.get()).isTrue();
    }
}
