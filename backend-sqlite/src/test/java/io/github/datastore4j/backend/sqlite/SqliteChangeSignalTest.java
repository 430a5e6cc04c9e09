package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChangeSignal}: other connections' commits wake the listeners, whether this process's writer is idle or busy;
 * this process's own commits, which its engine applied already, wake none.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteChangeSignalTest {
    @TempDir
    Path directory;

    @Test
    @DisplayName("this process's own commits wake no listener; another connection's commit does, each time")
    void ownCommitsWakeNoOne() throws Exception {
        Path file = TestStores.file(directory);
        AtomicInteger wakes = new AtomicInteger();
        Semaphore woken = new Semaphore(0);
        try (SqliteBackend a = TestStores.open(file);
                AutoCloseable listener = a.onChanges(() -> {
                    wakes.incrementAndGet();
                    woken.release();
                })) {
            for (int i = 0; i < 200; i++) {
                put(a, "own" + (i % 20));
            }
            // leases and the unconditional path commit through the same writer
            a.acquireLease("ns", "leased", "me", Duration.ofMinutes(1)).join();
            assertThat(wakes).as("wakes after 200 own commits").hasValue(0);

            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement statement = other.createStatement()) {
                statement.execute("CREATE TABLE probe (x INTEGER)");
                assertThat(woken.tryAcquire(30, TimeUnit.SECONDS))
                        .as("woken by a raw connection's commit")
                        .isTrue();
                statement.execute("INSERT INTO probe VALUES (1)");
                assertThat(woken.tryAcquire(30, TimeUnit.SECONDS))
                        .as("and by its next one")
                        .isTrue();
            }
            try (SqliteBackend b = TestStores.open(file)) {
                put(b, "theirs");
                assertThat(woken.tryAcquire(30, TimeUnit.SECONDS))
                        .as("woken by another backend's commit")
                        .isTrue();
            }
            int before = wakes.get();
            put(a, "own-again");
            assertThat(wakes).as("no wake for an own commit after others'").hasValue(before);
        }
    }

    @Test
    @DisplayName("another connection's commit wakes the listeners while this process's writer commits without pause")
    void othersAreSeenByABusyWriter() throws Exception {
        Path file = TestStores.file(directory);
        Semaphore woken = new Semaphore(0);
        AtomicBoolean stop = new AtomicBoolean();
        try (SqliteBackend a = TestStores.open(file);
                SqliteBackend b = TestStores.open(file);
                AutoCloseable listener = a.onChanges(woken::release)) {
            CompletableFuture<Integer> busy = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                while (!stop.get()) {
                    put(a, "busy" + (n++ % 50));
                }
                return n;
            });
            try {
                for (int i = 0; i < 20; i++) {
                    put(b, "theirs" + i);
                    assertThat(woken.tryAcquire(30, TimeUnit.SECONDS))
                            .as("woken by commit %d of the other backend", i)
                            .isTrue();
                }
            } finally {
                stop.set(true);
            }
            assertThat(busy.get(30, TimeUnit.SECONDS)).isPositive();
        }
    }

    private static void put(SqliteBackend backend, String key) {
        Record record = Record.of("ns", key, 1, 1, "1".getBytes(StandardCharsets.UTF_8));
        backend.writeConditionally(
                        List.of(ConditionalWrite.expecting(Mutation.put("ns", record), ConditionalWrite.ANY_REV)))
                .join();
    }
}
