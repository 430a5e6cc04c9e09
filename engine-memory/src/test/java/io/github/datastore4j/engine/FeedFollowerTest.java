package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import io.github.datastore4j.testkit.ThreadRace;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class FeedFollowerTest {
    private final Feed feed = new Feed();
    private final List<Long> delivered = Collections.synchronizedList(new ArrayList<>());

    @Test
    void everyChangeOnceInOrderAcrossPages() throws Exception {
        feed.append(2_500, true);
        try (FeedFollower follower = follower(Duration.ofSeconds(30))) {
            follower.reached(2_500).get(30, TimeUnit.SECONDS);
            feed.append(10, true);
            follower.reached(2_510).get(30, TimeUnit.SECONDS);
        }
        assertThat(delivered).hasSize(2_510).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aLostHintIsMadeUpByTheHeartbeat() throws Exception {
        try (FeedFollower follower = follower(Duration.ofMillis(50))) {
            follower.reached(0).get(30, TimeUnit.SECONDS);
            feed.append(3, false); // committed, but the wake-up never comes
            waitUntil(() -> delivered.size() == 3);
        }
        assertThat(delivered).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aFailingFeedIsReadAgainFromWhereItStoodNothingMissedOrTwice() throws Exception {
        feed.append(100, true);
        feed.failNext.set(3);
        try (FeedFollower follower = follower(Duration.ofMillis(50))) {
            follower.reached(100).get(30, TimeUnit.SECONDS);
            feed.failNext.set(2);
            feed.append(100, true);
            follower.reached(200).get(30, TimeUnit.SECONDS);
        }
        assertThat(delivered).hasSize(200).isSorted().doesNotHaveDuplicates();
        assertThat(feed.failures.get()).isEqualTo(5);
    }

    @Test
    void aChangeThatCommitsLateWithASmallerPositionIsNotSkipped() throws Exception {
        // position 1 is taken by a transaction that has not committed; 2 and 3 commit: the feed stops before 1
        feed.hold(1);
        feed.append(3, true);
        try (FeedFollower follower = follower(Duration.ofMillis(50))) {
            feed.awaitHeads(2); // it read, then asked for the head at two heartbeats since
            assertThat(delivered).isEmpty();
            feed.release(1);
            follower.reached(3).get(30, TimeUnit.SECONDS);
        }
        assertThat(delivered).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aHintThatBringsNothingIsFollowedByQuickReadsNotTheHeartbeat() throws Exception {
        // position 1 is held by a transaction that will end without a change, so without a hint of its own
        feed.hold(1);
        try (FeedFollower follower = follower(Duration.ofMinutes(10))) {
            follower.reached(0).get(30, TimeUnit.SECONDS);
            int reads = feed.reads.get();
            feed.append(3, true); // 1, 2 and 3 are written and hinted; 2 and 3 are held behind 1
            waitUntil(() -> feed.reads.get() > reads); // the hint's read found nothing
            feed.releaseQuietly(1);
            waitUntil(() -> delivered.size() == 3); // not reached(): it wakes the follower itself
        }
        assertThat(delivered).containsExactly(1L, 2L, 3L);
    }

    @Test
    void whoWaitsForAPositionAsTheFollowerPassesItIsNeverForgotten() throws Exception {
        // a caller registers for a position in the instant the follower passes it: the follower's sweep of the
        // waiters or the caller's own re-check must complete it, or a session's grant waits for ever
        int changes = 20_000;
        try (FeedFollower follower = follower(Duration.ofSeconds(30))) {
            Thread writer = new Thread(() -> {
                for (int i = 0; i < changes; i++) {
                    feed.append(1, true);
                }
            });
            writer.start();
            ThreadRace.run(2, thread -> {
                for (long target = 0; target < changes; target = feed.changes.size()) {
                    follower.reached(target).get(10, TimeUnit.SECONDS);
                }
            });
            writer.join();
            follower.reached(changes).get(10, TimeUnit.SECONDS);
        }
        assertThat(delivered).hasSize(changes);
    }

    @Test
    void closeFailsWhoWaitsForAPositionNotReached() {
        FeedFollower follower = follower(Duration.ofSeconds(30));
        CompletableFuture<Void> waiting = follower.reached(5);
        follower.close();
        assertThatThrownBy(waiting::join)
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> follower.reached(7).get(10, TimeUnit.SECONDS)) // asked after the close: fails
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("closed");
        assertThat(feed.listeners).isEmpty();
    }

    @Test
    void theSnapshotsIncludedChangesAreSkippedAndOtherNamespacesNeverAsked() throws Exception {
        feed.append(5, true);
        skip = Set.of(2L, 4L);
        try (FeedFollower follower = follower(Duration.ofSeconds(30))) {
            follower.reached(5).get(30, TimeUnit.SECONDS);
        }
        assertThat(delivered).containsExactly(1L, 3L, 5L);
        assertThat(feed.askedFor).containsOnly("ns");
    }

    private Set<Long> skip = Set.of();
    private final List<SharedSnapshot> restarts = new CopyOnWriteArrayList<>();

    private FeedFollower follower(Duration heartbeat) {
        FeedFollower follower = new FeedFollower(
                feed,
                "ns",
                0,
                skip,
                heartbeat,
                Duration.ofMillis(200),
                "test",
                c -> delivered.add(c.position()),
                snapshot -> restarts.add(snapshot));
        follower.start();
        return follower;
    }

    /** Polls a condition the follower makes true on its own thread; bounded, so a broken follower fails the test. */
    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll interval, not a synchronisation
        }
    }

    /** A change feed in memory with a safe horizon, lost hints and injected failures. */
    static final class Feed implements SharedBackend {
        final List<Change> changes = new CopyOnWriteArrayList<>();
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        final AtomicInteger failNext = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger heads = new AtomicInteger();
        final Set<String> askedFor = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicInteger reads = new AtomicInteger();
        private final Set<Long> held = java.util.concurrent.ConcurrentHashMap.newKeySet();

        synchronized void append(int count, boolean hint) {
            for (int i = 0; i < count; i++) {
                long position = changes.size() + 1;
                byte[] value = Long.toString(position).getBytes(StandardCharsets.UTF_8);
                changes.add(new Change(position, "ns", "k" + position, Optional.of(Record.of("ns", "k", 1, 0, value))));
            }
            if (hint) {
                listeners.forEach(Runnable::run);
            }
        }

        void hold(long position) {
            held.add(position);
        }

        void releaseQuietly(long position) {
            held.remove(position);
        }

        void release(long position) {
            held.remove(position);
            listeners.forEach(Runnable::run);
        }

        void awaitHeads(int count) throws InterruptedException {
            waitUntil(() -> heads.get() >= count);
        }

        private long horizon() {
            long horizon = changes.size();
            for (long position : held) {
                horizon = Math.min(horizon, position - 1);
            }
            return horizon;
        }

        @Override
        public CompletableFuture<ChangePage> changesAfter(String namespace, long position, int limit) {
            askedFor.add(namespace);
            reads.incrementAndGet();
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                failures.incrementAndGet();
                return CompletableFuture.failedFuture(new java.io.IOException("connection lost"));
            }
            long horizon = horizon();
            List<Change> page = new ArrayList<>();
            for (long p = position + 1; p <= horizon && page.size() < limit; p++) {
                page.add(changes.get((int) p - 1));
            }
            long next = page.isEmpty() ? position : page.get(page.size() - 1).position();
            return CompletableFuture.completedFuture(new ChangePage(page, next));
        }

        @Override
        public CompletableFuture<Long> head() {
            heads.incrementAndGet();
            return CompletableFuture.completedFuture(horizon());
        }

        @Override
        public CompletableFuture<SharedSnapshot> snapshot(String namespace) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AutoCloseable onChanges(Runnable wakeUp) {
            listeners.add(wakeUp);
            return () -> listeners.remove(wakeUp);
        }

        @Override
        public CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Optional<Lease>> acquireLease(String ns, String key, String holder, Duration ttl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Optional<Lease>> renewLease(Lease lease, Duration ttl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Boolean> releaseLease(Lease lease) {
            throw new UnsupportedOperationException();
        }

        @Override
        public BackendCapabilities capabilities() {
            return new BackendCapabilities(true, true, true, true, true, true);
        }

        @Override
        public CompletableFuture<Optional<Record>> read(String namespace, String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> write(List<Mutation> batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Set<String>> namespaces() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<String> quarantine(Damaged entry) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
