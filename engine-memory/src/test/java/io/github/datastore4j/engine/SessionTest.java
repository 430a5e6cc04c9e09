package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.WaitTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the engine does for sessions beyond the kit's {@code Sessions} tests: renewal, and an auto-save that never
 * blocks the storage's timer and retries a failed write. Observed through {@link SharedMemoryBackendProvider}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    private final SharedMemoryFixture shared = new SharedMemoryFixture("sessions");
    private final SharedMemoryBackendProvider.Store backend = shared.backend;

    @AfterEach
    void close() {
        shared.close();
    }

    private Storage openStorage(String settings) {
        return shared.open(settings);
    }

    @Test
    @DisplayName("renew() moves the end of the lease: a waiter past the old end still finds the key held")
    void renewExtends() {
        Datastore store = openStorage("").datastore("ns");
        try (Session session = store.acquire("k", Duration.ofSeconds(1))) {
            session.renew(LONG);
            assertThatThrownBy(() -> store.acquire("k", LONG, Duration.ofMillis(1_500)))
                    .isInstanceOf(LockedException.class);
        }
    }

    @Test
    @DisplayName("a lease longer than the clock can count is capped, not refused or wrapped around to expired")
    void hugeLease() {
        Datastore store = openStorage("").datastore("ns");
        try (Session session = store.acquire("k", Duration.ofDays(365L * 1_000))) {
            session.renew(Duration.ofSeconds(Long.MAX_VALUE));
            assertThatThrownBy(() -> store.acquire("k", LONG)).isInstanceOf(LockedException.class);
        }
    }

    @Test
    @DisplayName("an auto-save stuck in the backend does not stall the storage's timer: timeouts still fire")
    void autosaveNeverBlocksTheTimer() throws Exception {
        Datastore store = openStorage("?autosave=20ms").datastore("ns");
        Session session = store.acquire("k", LONG);
        backend.holdCommits();
        session.set(Map.of("v", 1));
        assertThat(backend.awaitHeldCommit())
                .as("the auto-save reached the backend")
                .isTrue();

        assertThatThrownBy(() -> store.awaitChange("other", Duration.ofMillis(50)))
                .as("the timer thread is free to fire a wait's timeout")
                .isInstanceOf(WaitTimeoutException.class);

        backend.releaseCommits();
        session.release();
        assertThat(backend.get("ns", "k")).isPresent();
    }

    @Test
    @DisplayName("a failed auto-save is written again at the next one")
    void failedAutosaveIsRetried() throws Exception {
        backend.failNextWrites.set(1);
        backend.committed = new CountDownLatch(1);
        Datastore store = openStorage("?autosave=20ms&retries=0").datastore("ns");
        try (Session session = store.acquire("k", LONG)) {
            session.set(Map.of("v", 1));
            assertThat(backend.committed.await(30, TimeUnit.SECONDS))
                    .as("written after the failure")
                    .isTrue();
            assertThat(backend.failNextWrites).hasValue(0);
            assertThat(backend.get("ns", "k").orElseThrow().rev()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("an acquire waiting for a held key fails with CLOSED when the storage closes")
    void waitingAcquireFailsOnClose() {
        Storage storage = openStorage("");
        Datastore store = storage.datastore("ns");
        Session held = store.acquire("k", LONG);
        CompletableFuture<Session> waiting = store.async().acquire("k", LONG, LONG);
        assertThat(waiting).isNotDone();
        storage.close();
        assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS)) // not join(): a hang must fail, not block
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(DatastoreException.class)
                .cause()
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.CLOSED));
        held.close();
    }

    @Test
    @DisplayName("a session outliving its storage fails clearly; nothing is written")
    void storageClosed() {
        Storage storage = openStorage("?autosave=1h");
        Session session = storage.datastore("ns").acquire("k", LONG);
        session.set(1);
        storage.close();
        assertThatThrownBy(session::save).isInstanceOf(DatastoreException.class).hasMessageContaining("closed");
        session.close();
        assertThat(backend.get("ns", "k")).isEmpty();
    }
}
