package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Retries, backoff and the rate limit of the commit queue, observed on a test clock and a scripted backend. */
class CommitPipelineTest {
    /** Time that moves only when the pipeline sleeps; every sleep is recorded. */
    static final class TestClock implements CommitPipeline.Clock {
        final AtomicLong now = new AtomicLong();
        final List<Long> sleeps = new CopyOnWriteArrayList<>();

        @Override
        public long nanoTime() {
            return now.get();
        }

        @Override
        public void sleepNanos(long nanos) {
            sleeps.add(nanos);
            now.addAndGet(nanos);
        }

        double sleptSeconds() {
            return sleeps.stream().mapToLong(Long::longValue).sum() / 1e9;
        }
    }

    /** Fails its first {@code failures} writes, then records what it is given, with the clock's time. */
    static final class ScriptedBackend implements Backend {
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger attempts = new AtomicInteger();
        final List<Mutation> written = new CopyOnWriteArrayList<>();
        final List<Long> commitTimes = new CopyOnWriteArrayList<>();
        final List<Integer> commitSizes = new CopyOnWriteArrayList<>();
        final TestClock clock;

        ScriptedBackend(TestClock clock) {
            this.clock = clock;
        }

        @Override
        public BackendCapabilities capabilities() {
            return BackendCapabilities.inMemory();
        }

        @Override
        public CompletableFuture<Optional<Record>> read(String namespace, String key) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletableFuture<Void> write(List<Mutation> batch) {
            attempts.incrementAndGet();
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return CompletableFuture.failedFuture(new IOException("injected: connection reset"));
            }
            written.addAll(batch);
            commitTimes.add(clock.nanoTime());
            commitSizes.add(batch.size());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Set<String>> namespaces() {
            return CompletableFuture.completedFuture(Set.of());
        }

        @Override
        public void close() {}
    }

    private final TestClock clock = new TestClock();
    private final ScriptedBackend backend = new ScriptedBackend(clock);
    private CommitPipeline pipeline;

    private CommitPipeline pipeline(int retries, double writesPerSecond) {
        pipeline = new CommitPipeline(
                backend,
                "test:",
                new CommitPipeline.Policy(retries, Duration.ofMillis(50), writesPerSecond, false),
                clock);
        return pipeline;
    }

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static List<Mutation> puts(String prefix, int count) {
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(Mutation.put("ns", Record.of("ns", prefix + i, 1, 0, "1".getBytes())));
        }
        return batch;
    }

    @Test
    @DisplayName("a backend failing twice then succeeding: the commit succeeds after two jittered, growing backoffs")
    void retriesTransientFailures() {
        backend.failures.set(2);
        pipeline(3, 0).submit(puts("k", 3)).join();

        assertThat(backend.attempts).hasValue(3);
        assertThat(backend.written).hasSize(3);
        assertThat(clock.sleeps).hasSize(2);
        assertThat(clock.sleeps.get(0)).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(clock.sleeps.get(1)).isBetween(0L, TimeUnit.MILLISECONDS.toNanos(100));
    }

    @Test
    @DisplayName("when the retries run out the error reaches the caller, naming the cause")
    void givesUpAfterTheRetries() {
        backend.failures.set(10);
        CompletableFuture<Void> commit = pipeline(3, 0).submit(puts("k", 1));

        assertThatThrownBy(commit::join)
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(BackendException.class)
                .hasRootCauseMessage("injected: connection reset");
        assertThat(backend.attempts).hasValue(4);
        assertThat(backend.written).isEmpty();
    }

    @Test
    @DisplayName("retries=0 fails at once")
    void noRetries() {
        backend.failures.set(1);
        assertThatThrownBy(pipeline(0, 0).submit(puts("k", 1))::join).hasCauseInstanceOf(BackendException.class);
        assertThat(backend.attempts).hasValue(1);
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    @DisplayName("at 10 writes/s, 60 queued writes take at least 5 s of the clock, and none is lost")
    void rateLimit() {
        CommitPipeline limited = pipeline(0, 10);
        List<CompletableFuture<Void>> commits = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            commits.add(limited.submit(puts("k" + i + "-", 1)));
        }
        commits.forEach(CompletableFuture::join);

        assertThat(backend.written).hasSize(60);
        assertThat(backend.written.stream().map(Mutation::key).distinct()).hasSize(60);
        // a burst of one second's worth (10) goes at once; the other 50 need 5 s at 10/s
        assertThat(backend.commitTimes.get(backend.commitTimes.size() - 1) / 1e9)
                .isGreaterThanOrEqualTo(4.9);
        // never ahead of the limit: a commit starts only while fewer than 10 + 10·t records were committed before it
        int before = 0;
        for (int i = 0; i < backend.commitTimes.size(); i++) {
            double t = backend.commitTimes.get(i) / 1e9;
            assertThat((double) before)
                    .as("records committed before commit %d at %.2f s", i, t)
                    .isLessThan(10 + 10 * t);
            before += backend.commitSizes.get(i);
        }
    }

    @Test
    @DisplayName("an urgent save is not held back by the rate limit; an ordinary one waits")
    void urgentGoesFirst() {
        CommitPipeline limited = pipeline(0, 1);
        limited.submit(puts("big", 100)).join(); // one batch larger than the budget: leaves a debt of ~99 s at 1/s
        double before = clock.sleptSeconds();

        limited.submit(puts("urgent", 1), true).join();
        assertThat(clock.sleptSeconds() - before).as("urgent waited").isLessThan(0.001);

        limited.submit(puts("ordinary", 1)).join();
        assertThat(clock.sleptSeconds() - before).as("ordinary waited").isGreaterThan(90);
        assertThat(backend.written).hasSize(102);
    }

    @Test
    @DisplayName("awaitIdle resolves after everything queued before it")
    void awaitIdle() {
        CommitPipeline plain = pipeline(0, 0);
        List<CompletableFuture<Void>> commits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            commits.add(plain.submit(puts("k" + i + "-", 5)));
        }
        plain.awaitIdle().join();
        assertThat(commits).allMatch(CompletableFuture::isDone);
        assertThat(backend.written).hasSize(100);
    }
}
