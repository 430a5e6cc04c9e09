package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalResult.Conflict;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import io.github.datastore4j.engine.SharedMemoryInstance.Call;
import io.github.datastore4j.engine.SharedMemoryInstance.ConnectionLostException;
import io.github.datastore4j.engine.SharedMemoryInstance.HeldBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-memory shared store's own rules, beyond the testkit's contract ({@link SharedMemoryStoreKitTest}): the
 * reference's conflict semantics, the safe horizon under a held batch, snapshots with included positions, leases by
 * the store's clock, lost hints and injected faults. Several instances stand for several processes.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SharedMemoryStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final SharedMemoryStore.ManualClock clock = new SharedMemoryStore.ManualClock();
    private final SharedMemoryStore store = SharedMemoryStore.create(clock);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void closeTheStore() {
        store.close(); // rolls back any batch a failed test left held, so the pool's threads end
        pool.shutdownNow();
    }

    @Nested
    @DisplayName("conditional writes")
    class ConditionalWrites {
        @Test
        @DisplayName("deleting an absent key expecting it absent, or any revision, is neither a conflict nor a change")
        void deleteOfAnAbsentKeyAsExpectedIsNoConflict() {
            SharedMemoryInstance one = store.open();
            long head = one.head().join();
            ConditionalResult result = one.writeConditionally(List.of(
                            delete("a", ConditionalWrite.ABSENT),
                            delete("b", ConditionalWrite.ANY_REV),
                            delete("c", 4)))
                    .join();
            assertThat(result.conflicts()).singleElement().satisfies(c -> {
                assertThat(c.index())
                        .as("a delete expecting a revision of an absent key")
                        .isEqualTo(2);
                assertThat(c.found()).isEmpty();
                assertThat(c.fenced()).isFalse();
            });
            assertThat(result.position()).as("nothing changed: the head").isEqualTo(head);
            assertThat(one.changesAfter("ns", 0, 10).join().changes()).isEmpty();
        }

        @Test
        @DisplayName("a delete expecting the key absent while it has a record is a conflict reporting that record")
        void deleteExpectingAbsentOfAPresentKeyConflicts() {
            SharedMemoryInstance one = store.open();
            one.writeConditionally(List.of(put("a", 1, "1", ConditionalWrite.ABSENT)))
                    .join();
            ConditionalResult result = store.open()
                    .writeConditionally(List.of(delete("a", ConditionalWrite.ABSENT)))
                    .join();
            assertThat(result.conflicts()).singleElement().satisfies(c -> assertThat(
                            c.found().map(SharedMemoryStoreTest::text))
                    .contains("1"));
            assertThat(one.read("ns", "a").join()).isPresent();
        }

        @Test
        @DisplayName("a batch that writes one key twice is refused with IllegalArgumentException and writes nothing")
        void twoWritesOfOneKeyAreRefused() {
            SharedMemoryInstance one = store.open();
            CompletableFuture<ConditionalResult> twice = one.writeConditionally(List.of(
                    put("other", 1, "1", ConditionalWrite.ABSENT),
                    put("k", 1, "1", ConditionalWrite.ABSENT),
                    delete("k", ConditionalWrite.ANY_REV)));
            assertThatThrownBy(twice::join)
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key 'k' of namespace 'ns' twice");
            assertThat(one.namespaces().join()).isEmpty();
            assertThat(one.head().join()).isZero();
        }

        @Test
        @DisplayName("a batch's position is that of its last change, and each change takes the next position")
        void positionIsTheLastChanges() {
            SharedMemoryInstance one = store.open();
            ConditionalResult first = one.writeConditionally(List.of(
                            put("a", 1, "1", ConditionalWrite.ABSENT),
                            put("b", 1, "1", 7), // conflicts: takes no position
                            put("c", 1, "1", ConditionalWrite.ANY_REV)))
                    .join();
            assertThat(first.position()).isEqualTo(2);
            ConditionalResult second = one.writeConditionally(List.of(ConditionalWrite.expecting(
                            Mutation.put("other", record("other", "x", 1, "1")), ConditionalWrite.ABSENT)))
                    .join();
            assertThat(second.position()).isEqualTo(3);
            assertThat(one.changesAfter("ns", 0, 10).join().changes())
                    .extracting(Change::key, Change::position)
                    .containsExactly(tuple("a", 1L), tuple("c", 2L));
        }

        @Test
        @Timeout(value = 5, unit = TimeUnit.MINUTES)
        @DisplayName("compare-and-set increments from 4 instances x 2 threads sum exactly, one change per increment")
        void racingIncrementsSumExactly() throws Exception {
            int perThread = 300;
            List<SharedMemoryInstance> instances = List.of(store.open(), store.open(), store.open(), store.open());
            CyclicBarrier start = new CyclicBarrier(instances.size() * 2);
            List<Future<?>> threads = new ArrayList<>();
            for (SharedMemoryInstance instance : instances) {
                for (int t = 0; t < 2; t++) {
                    threads.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        increment(instance, perThread);
                        return null;
                    }));
                }
            }
            for (Future<?> thread : threads) {
                thread.get(2, TimeUnit.MINUTES);
            }
            int total = instances.size() * 2 * perThread;
            Record counter = instances.get(0).read("ns", "counter").join().orElseThrow();
            assertThat(text(counter)).isEqualTo(Integer.toString(total));
            ChangePage feed = instances.get(3).changesAfter("ns", 0, total + 10).join();
            assertThat(feed.changes())
                    .as("every increment once, in the order it committed")
                    .extracting(c -> text(c.record().orElseThrow()))
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, total)
                            .mapToObj(Integer::toString)
                            .toList());
        }

        private void increment(SharedBackend backend, int times) {
            Optional<Record> current = backend.read("ns", "counter").join();
            for (int done = 0; done < times; ) {
                long rev = current.map(Record::rev).orElse(0L);
                long value = current.map(r -> Long.parseLong(text(r))).orElse(0L);
                ConditionalResult result = backend.writeConditionally(List.of(put(
                                "counter",
                                rev + 1,
                                Long.toString(value + 1),
                                current.isPresent() ? rev : ConditionalWrite.ABSENT)))
                        .join();
                if (result.conflicts().isEmpty()) {
                    done++;
                    current = Optional.of(record("ns", "counter", rev + 1, Long.toString(value + 1)));
                } else {
                    current = result.conflicts().get(0).found();
                }
            }
        }
    }

    @Nested
    @DisplayName("the change feed")
    class Feed {
        @Test
        @DisplayName("a late commit is not skipped: changesAfter, head and snapshot stop before a held position")
        void lateCommitIsNotSkipped() throws Exception {
            SharedMemoryInstance late = store.open();
            SharedMemoryInstance early = store.open();
            SharedMemoryInstance reader = store.open();
            HeldBatch held = late.holdNextBatch();
            CompletableFuture<ConditionalResult> lateResult =
                    writeAsync(late, List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            assertThat(held.awaitHeld(WAIT)).containsExactly(1L);
            long earlyPosition = early.writeConditionally(List.of(
                            put("early-1", 1, "1", ConditionalWrite.ABSENT),
                            put("early-2", 1, "1", ConditionalWrite.ABSENT)))
                    .join()
                    .position();
            assertThat(earlyPosition).isEqualTo(3);
            assertThat(reader.read("ns", "early-1").join())
                    .as("committed and readable")
                    .isPresent();
            assertThat(reader.read("ns", "late").join()).as("held: not visible").isEmpty();

            ChangePage before = reader.changesAfter("ns", 0, 100).join();
            assertThat(before.changes()).isEmpty();
            assertThat(before.next()).isZero();
            assertThat(reader.head().join()).isZero();
            assertThat(lateResult).isNotDone();

            held.release();
            assertThat(lateResult.get(30, TimeUnit.SECONDS).position()).isEqualTo(1);
            ChangePage after = reader.changesAfter("ns", before.next(), 100).join();
            assertThat(after.changes()).extracting(Change::key).containsExactly("late", "early-1", "early-2");
            assertThat(after.next()).isEqualTo(3);
            assertThat(reader.head().join()).isEqualTo(3);
        }

        @Test
        @DisplayName("a held batch locks its keys: a write of one waits for its commit, then conflicts with it")
        void aHeldBatchLocksItsKeys() throws Exception {
            SharedMemoryInstance late = store.open();
            SharedMemoryInstance other = store.open();
            HeldBatch held = late.holdNextBatch();
            CompletableFuture<ConditionalResult> lateResult =
                    writeAsync(late, List.of(put("k", 1, "\"late\"", ConditionalWrite.ABSENT)));
            held.awaitHeld(WAIT);
            CompletableFuture<ConditionalResult> blocked =
                    writeAsync(other, List.of(put("k", 1, "\"other\"", ConditionalWrite.ABSENT)));
            waitUntil(() -> store.waitingForKeys() == 1);
            assertThat(other.read("ns", "k").join()).as("reads do not wait").isEmpty();
            held.release();
            lateResult.get(30, TimeUnit.SECONDS);
            ConditionalResult result = blocked.get(30, TimeUnit.SECONDS);
            assertThat(result.conflicts()).singleElement().satisfies(c -> assertThat(
                            c.found().map(SharedMemoryStoreTest::text))
                    .contains("\"late\""));
        }

        @Test
        @DisplayName("an aborted held batch fails its call, never appears, and the feed moves past its positions")
        void anAbortedBatchLeavesAGap() throws Exception {
            SharedMemoryInstance late = store.open();
            SharedMemoryInstance other = store.open();
            HeldBatch held = late.holdNextBatch();
            CompletableFuture<ConditionalResult> lateResult =
                    writeAsync(late, List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            held.awaitHeld(WAIT);
            other.writeConditionally(List.of(put("after", 1, "1", ConditionalWrite.ABSENT)))
                    .join();
            held.abort();
            assertThatThrownBy(() -> lateResult.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("rolled back: the test aborted it");
            assertThat(other.read("ns", "late").join()).isEmpty();
            ChangePage page = other.changesAfter("ns", 0, 100).join();
            assertThat(page.changes()).extracting(Change::position).containsExactly(2L);
            assertThat(page.next()).isEqualTo(2);
        }

        @Test
        @DisplayName("a full page ends at its last change; one that is not full goes on to the horizon")
        void pagesAndTheHorizon() {
            SharedMemoryInstance one = store.open();
            one.write(List.of(
                            Mutation.put("ns", record("ns", "a", 1, "1")),
                            Mutation.put("ns", record("ns", "b", 1, "1")),
                            Mutation.put("elsewhere", record("elsewhere", "x", 1, "1"))))
                    .join();
            ChangePage full = one.changesAfter("ns", 0, 1).join();
            assertThat(full.changes()).extracting(Change::key).containsExactly("a");
            assertThat(full.next()).isEqualTo(1);
            ChangePage rest = one.changesAfter("ns", full.next(), 5).join();
            assertThat(rest.changes()).extracting(Change::key).containsExactly("b");
            assertThat(rest.next()).as("past the other namespace's change").isEqualTo(3);
            assertThat(one.changesAfter("elsewhere", 0, 5).join().changes())
                    .extracting(Change::position)
                    .containsExactly(3L);
            assertThatThrownBy(() -> one.changesAfter("ns", 0, 0).join())
                    .hasCauseInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("a trimmed feed keeps each key's last change; reading from before a dropped delete is refused")
        void trimmingKeepsEachKeysLastChangeAndRefusesReadersThatMissedADelete() {
            SharedMemoryInstance one = store.open();
            one.writeConditionally(List.of(put("k0", 1, "1", ConditionalWrite.ABSENT)))
                    .join(); // 1
            one.writeConditionally(List.of(put("k0", 2, "2", 1))).join(); // 2
            one.writeConditionally(List.of(put("k1", 1, "1", ConditionalWrite.ABSENT)))
                    .join(); // 3
            one.writeConditionally(List.of(delete("k1", 1))).join(); // 4
            one.writeConditionally(List.of(put("k2", 1, "1", ConditionalWrite.ABSENT)))
                    .join(); // 5
            store.trimFeed(5, false);
            assertThat(one.changesAfter("ns", 0, 10).join().changes())
                    .extracting(Change::position)
                    .containsExactly(2L, 4L, 5L);
            assertThat(one.changesAfter("ns", 1, 10).join().changes())
                    .extracting(Change::position)
                    .as("a reader behind gets the key's latest change")
                    .containsExactly(2L, 4L, 5L);
            store.trimFeed(5, true);
            assertThatThrownBy(() -> one.changesAfter("ns", 3, 10).join())
                    .hasCauseInstanceOf(FeedTrimmedException.class)
                    .hasMessageContaining("take a new snapshot");
            assertThat(one.changesAfter("ns", 0, 10).join().changes())
                    .extracting(Change::position)
                    .as("from 0: every live key's latest change")
                    .containsExactly(2L, 5L);
            assertThat(one.changesAfter("ns", 4, 10).join().changes())
                    .extracting(Change::position)
                    .containsExactly(5L);
            assertThatThrownBy(() -> one.changesAfter("ns", 99, 10).join())
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("never returned");
        }

        @Test
        @DisplayName("unconditional writes (the last mutation of a key winning) and quarantines are in the feed")
        void writesAndQuarantinesAreInTheFeed() {
            SharedMemoryInstance one = store.open();
            one.write(List.of(
                            Mutation.put("ns", record("ns", "a", 1, "1")),
                            Mutation.put("ns", record("ns", "a", 2, "2")),
                            Mutation.delete("ns", "absent"),
                            Mutation.put("ns", record("ns", "b", 1, "1"))))
                    .join();
            assertThat(one.read("ns", "a").join().map(SharedMemoryStoreTest::text))
                    .contains("2");
            assertThat(one.quarantine(new Damaged("ns", "b", null, "checksum")).join())
                    .contains(store.name());
            assertThat(one.read("ns", "b").join()).isEmpty();
            assertThat(store.quarantined()).containsKey("ns/b");
            assertThat(one.changesAfter("ns", 0, 10).join().changes())
                    .extracting(Change::key, c -> c.record().map(SharedMemoryStoreTest::text))
                    .containsExactly(
                            tuple("a", Optional.of("2")), tuple("b", Optional.of("1")), tuple("b", Optional.empty()));
        }
    }

    @Nested
    @DisplayName("snapshots")
    class Snapshots {
        @Test
        @DisplayName("a snapshot taken while a batch is held names the changes committed after it as included")
        void snapshotNamesIncludedPositions() throws Exception {
            SharedMemoryInstance late = store.open();
            SharedMemoryInstance other = store.open();
            other.writeConditionally(List.of(put("before", 1, "1", ConditionalWrite.ABSENT)))
                    .join();
            HeldBatch held = late.holdNextBatch();
            CompletableFuture<ConditionalResult> lateResult =
                    writeAsync(late, List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            held.awaitHeld(WAIT);
            other.writeConditionally(List.of(put("after", 1, "1", ConditionalWrite.ABSENT)))
                    .join();
            other.write(List.of(Mutation.put("elsewhere", record("elsewhere", "x", 1, "1"))))
                    .join();
            SharedSnapshot snapshot = other.snapshot("ns").join();
            assertThat(snapshot.position()).isEqualTo(1);
            assertThat(snapshot.records()).extracting(Record::key).containsExactly("after", "before");
            assertThat(snapshot.included()).as("only this namespace's").containsExactly(3L);
            held.release();
            lateResult.get(30, TimeUnit.SECONDS);
            SharedSnapshot settled = other.snapshot("ns").join();
            assertThat(settled.position()).isEqualTo(4);
            assertThat(settled.included()).isEmpty();
        }

        @Test
        @Timeout(value = 5, unit = TimeUnit.MINUTES)
        @DisplayName("snapshot and follow rebuild the final state under 3 concurrent writers and a held batch")
        void snapshotAndFollowRebuildTheState() throws Exception {
            List<SharedMemoryInstance> writers = List.of(store.open(), store.open(), store.open());
            SharedMemoryInstance reader = store.open();
            for (int k = 0; k < 10; k++) {
                writers.get(0)
                        .writeConditionally(List.of(put("k" + k, 1, "0", ConditionalWrite.ABSENT)))
                        .join();
            }
            // a batch on its own key holds a small position while the writers commit greater ones
            HeldBatch held = writers.get(0).holdNextBatch();
            CompletableFuture<ConditionalResult> heldResult =
                    writeAsync(writers.get(0), List.of(put("held", 1, "1", ConditionalWrite.ABSENT)));
            held.awaitHeld(WAIT);
            writers.get(1).writeConditionally(List.of(put("k0", 2, "1", 1))).join();
            CountDownLatch running = new CountDownLatch(writers.size());
            List<Future<?>> writing = new ArrayList<>();
            for (SharedMemoryInstance writer : writers) {
                writing.add(pool.submit(() -> {
                    running.countDown();
                    mutateAtRandom(writer, 400);
                    return null;
                }));
            }
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            SharedSnapshot snapshot = reader.snapshot("ns").join();
            assertThat(snapshot.included())
                    .as("changes after the held position, already loaded")
                    .isNotEmpty();

            Semaphore hints = new Semaphore(0);
            AutoCloseable listening = reader.onChanges(hints::release);
            Map<String, Record> cache = new TreeMap<>();
            snapshot.records().forEach(r -> cache.put(r.key(), r));
            long position = snapshot.position();
            long lastDelivered = position;
            boolean released = false;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                ChangePage page = reader.changesAfter("ns", position, 7).join();
                for (Change change : page.changes()) {
                    assertThat(change.position())
                            .as("in position order, each once")
                            .isGreaterThan(lastDelivered);
                    lastDelivered = change.position();
                    if (snapshot.included().contains(change.position())) {
                        continue;
                    }
                    Record before = cache.get(change.key());
                    if (change.record().isPresent()) {
                        Record after = change.record().get();
                        assertThat(before == null || after.rev() > before.rev())
                                .as("never an older state over a newer one: %s over %s", after, before)
                                .isTrue();
                        cache.put(change.key(), after);
                    } else {
                        cache.remove(change.key());
                    }
                }
                position = page.next();
                if (!released && position > 0) {
                    held.release(); // while the writers still write, and the reader follows
                    released = true;
                }
                boolean writersDone = writing.stream().allMatch(Future::isDone);
                if (released
                        && writersDone
                        && heldResult.isDone()
                        && position == reader.head().join()) {
                    break;
                }
                assertThat(System.nanoTime()).as("followed within 2 minutes").isLessThan(deadline);
                if (page.changes().isEmpty()) {
                    hints.tryAcquire(50, TimeUnit.MILLISECONDS); // a wake-up, or poll again: a hint is only a hint
                }
            }
            listening.close();
            for (Future<?> writer : writing) {
                writer.get(); // done: rethrows a writer's failure
            }
            heldResult.get(30, TimeUnit.SECONDS);
            Map<String, Record> truth = new TreeMap<>();
            reader.scan("ns", r -> truth.put(r.key(), r)).join();
            assertThat(cache).isEqualTo(truth).containsKey("held");
        }

        /** Compare-and-set increments and deletes of ten keys, retried on conflict from the record found. */
        private void mutateAtRandom(SharedBackend writer, int operations) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < operations; i++) {
                String key = "k" + random.nextInt(10);
                Optional<Record> current = writer.read("ns", key).join();
                while (true) {
                    ConditionalWrite write;
                    long rev = current.map(Record::rev).orElse(0L);
                    if (current.isPresent() && random.nextInt(5) == 0) {
                        write = delete(key, rev);
                    } else {
                        write = put(
                                key,
                                rev + 1,
                                Long.toString(rev + 1),
                                current.isPresent() ? rev : ConditionalWrite.ABSENT);
                    }
                    ConditionalResult result =
                            writer.writeConditionally(List.of(write)).join();
                    if (result.conflicts().isEmpty()) {
                        break;
                    }
                    current = result.conflicts().get(0).found();
                }
            }
        }
    }

    @Nested
    @DisplayName("leases")
    class Leases {
        @Test
        @DisplayName("a lease is held until the store's clock passes its expiry, then taken with a greater token")
        void leaseExpiresByTheStoresClock() {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance two = store.open();
            Lease lease = one.acquireLease("ns", "k", "one", Duration.ofSeconds(10))
                    .join()
                    .orElseThrow();
            assertThat(lease.expiresAt()).isEqualTo(clock.instant().plusSeconds(10));
            clock.advance(Duration.ofSeconds(9));
            assertThat(two.acquireLease("ns", "k", "two", Duration.ofSeconds(10))
                            .join())
                    .isEmpty();
            assertThat(one.acquireLease("ns", "k", "one", Duration.ofSeconds(10))
                            .join())
                    .as("held, even by its own holder")
                    .isEmpty();
            Lease renewed = one.renewLease(lease, Duration.ofSeconds(10)).join().orElseThrow();
            assertThat(renewed.expiresAt()).isEqualTo(clock.instant().plusSeconds(10));
            clock.advance(Duration.ofSeconds(10));
            assertThat(one.renewLease(renewed, Duration.ofSeconds(10)).join())
                    .as("ran out exactly at its expiry")
                    .isEmpty();
            Lease taken = two.acquireLease("ns", "k", "two", Duration.ofSeconds(10))
                    .join()
                    .orElseThrow();
            assertThat(taken.token()).isEqualTo(lease.token() + 1);
            assertThat(one.releaseLease(renewed).join()).isFalse();
            assertThat(two.releaseLease(taken).join()).isTrue();
            assertThat(one.acquireLease("ns", "k", "one", Duration.ofSeconds(1))
                            .join()
                            .orElseThrow()
                            .token())
                    .isEqualTo(taken.token() + 1);
            assertThatThrownBy(() -> one.acquireLease("ns", "j", "one", Duration.ofSeconds(-1))
                            .join())
                    .hasCauseInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("a write fenced by a lease that ran out is refused as fenced, even with no new holder")
        void fencingChecksTheCurrentUnexpiredLease() {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance two = store.open();
            Lease lease = one.acquireLease("ns", "k", "one", Duration.ofSeconds(10))
                    .join()
                    .orElseThrow();
            ConditionalResult written = one.writeConditionally(
                            List.of(fenced(put("k", 1, "1", ConditionalWrite.ABSENT), lease)))
                    .join();
            assertThat(written.conflicts()).isEmpty();

            clock.advance(Duration.ofSeconds(10));
            ConditionalResult late = one.writeConditionally(List.of(fenced(put("k", 2, "2", 1), lease)))
                    .join();
            assertThat(late.conflicts()).singleElement().satisfies(c -> {
                assertThat(c.fenced()).as("fenced, though its revision holds").isTrue();
                assertThat(c.found().map(SharedMemoryStoreTest::text)).contains("1");
            });

            Lease next = two.acquireLease("ns", "k", "two", Duration.ofSeconds(10))
                    .join()
                    .orElseThrow();
            assertThat(one.writeConditionally(List.of(fenced(put("k", 2, "2", 1), lease)))
                            .join()
                            .conflicts())
                    .singleElement()
                    .matches(Conflict::fenced);
            assertThat(two.writeConditionally(List.of(fenced(put("k", 2, "2", 1), next)))
                            .join()
                            .conflicts())
                    .isEmpty();
            assertThat(two.writeConditionally(
                                    List.of(fenced(put("never-leased", 1, "1", ConditionalWrite.ANY_REV), next)))
                            .join()
                            .conflicts())
                    .singleElement()
                    .matches(Conflict::fenced);
        }

        private ConditionalWrite fenced(ConditionalWrite write, Lease lease) {
            return new ConditionalWrite(write.mutation(), write.expectedRev(), lease.token());
        }
    }

    @Nested
    @DisplayName("change hints")
    class Hints {
        @Test
        @DisplayName("a commit on one instance wakes the listeners of every instance, on their own threads")
        void hintsRunOnTheInstancesThread() throws Exception {
            SharedMemoryInstance writer = store.open();
            SharedMemoryInstance listener = store.open();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            CountDownLatch woken = new CountDownLatch(1);
            try (AutoCloseable handle = listener.onChanges(() -> {
                ranOn.set(Thread.currentThread());
                woken.countDown();
            })) {
                writer.writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                        .join();
                assertThat(woken.await(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(ranOn.get()).isNotEqualTo(Thread.currentThread());
            assertThat(ranOn.get().getName()).startsWith("sharedmem-" + store.name());
        }

        @Test
        @DisplayName("a dropped hint never wakes the listener: only polling the head sees that change")
        void droppedHintsAreLost() throws Exception {
            SharedMemoryInstance writer = store.open();
            SharedMemoryInstance listener = store.open();
            AtomicInteger wakeUps = new AtomicInteger();
            CountDownLatch woken = new CountDownLatch(1);
            try (AutoCloseable handle = listener.onChanges(() -> {
                wakeUps.incrementAndGet();
                woken.countDown();
            })) {
                listener.dropHints(true);
                writer.writeConditionally(List.of(put("lost", 1, "1", ConditionalWrite.ABSENT)))
                        .join();
                assertThat(listener.hintsDropped()).isEqualTo(1);
                assertThat(listener.head().join()).as("a poll sees it").isEqualTo(1);
                listener.dropHints(false);
                writer.writeConditionally(List.of(put("heard", 1, "1", ConditionalWrite.ABSENT)))
                        .join();
                assertThat(woken.await(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(wakeUps).as("only the second commit woke it").hasValue(1);
        }
    }

    @Nested
    @DisplayName("injected faults")
    class Faults {
        @Test
        @DisplayName("a call failing before it applies does nothing; the next call reconnects")
        void failureBeforeApplying() {
            SharedMemoryInstance one = store.open();
            one.failNext(Call.WRITE_CONDITIONALLY, 1);
            assertThatThrownBy(() -> one.writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                            .join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("nothing was done");
            assertThat(one.read("ns", "k").join()).isEmpty();
            assertThat(one.head().join()).isZero();
            assertThat(one.writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                            .join()
                            .conflicts())
                    .isEmpty();

            one.failNext(Call.CHANGES_AFTER, 2);
            assertThatThrownBy(() -> one.changesAfter("ns", 0, 10).join())
                    .hasCauseInstanceOf(ConnectionLostException.class);
            assertThatThrownBy(() -> one.changesAfter("ns", 0, 10).join())
                    .hasCauseInstanceOf(ConnectionLostException.class);
            assertThat(one.changesAfter("ns", 0, 10).join().changes()).hasSize(1);
        }

        @Test
        @DisplayName("a write failing after it applied committed: the caller sees a failure, the store the change")
        void failureAfterApplying() {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance other = store.open();
            one.failNextAfterApplying(Call.WRITE_CONDITIONALLY, 1);
            assertThatThrownBy(() -> one.writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                            .join())
                    .hasCauseInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("cannot know");
            assertThat(other.read("ns", "k").join()).isPresent();
            assertThat(other.changesAfter("ns", 0, 10).join().changes())
                    .extracting(Change::key)
                    .containsExactly("k");
            assertThat(one.writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                            .join()
                            .conflicts())
                    .as("the retry finds its own write")
                    .singleElement()
                    .satisfies(c -> assertThat(c.found()).isPresent());
        }

        @Test
        @DisplayName("faults belong to one instance: the others' calls go on")
        void faultsArePerInstance() {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance other = store.open();
            one.failNext(Call.HEAD, 1);
            assertThat(other.head().join()).isZero();
            assertThatThrownBy(() -> one.head().join()).hasCauseInstanceOf(ConnectionLostException.class);
        }
    }

    @Nested
    @DisplayName("instances and the store")
    class Lifecycle {
        @Test
        @DisplayName("capabilities: shared, durable, atomic, ordered, persistent for the store's life")
        void capabilities() {
            assertThat(store.open().capabilities())
                    .isEqualTo(new BackendCapabilities(true, true, true, true, true, true));
        }

        @Test
        @DisplayName("a closed instance refuses every call naming itself; close is idempotent; the others go on")
        void aClosedInstanceRefusesCalls() {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance other = store.open();
            one.write(List.of(Mutation.put("ns", record("ns", "k", 1, "1")))).join();
            one.close();
            one.close();
            List<CompletableFuture<?>> calls = List.of(
                    one.read("ns", "k"),
                    one.scan("ns", r -> {}),
                    one.namespaces(),
                    one.write(List.of()),
                    one.writeConditionally(List.of()),
                    one.changesAfter("ns", 0, 1),
                    one.snapshot("ns"),
                    one.head(),
                    one.acquireLease("ns", "k", "h", Duration.ofSeconds(1)));
            for (CompletableFuture<?> call : calls) {
                assertThatThrownBy(call::join)
                        .hasCauseInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(one + " is closed");
            }
            assertThatThrownBy(() -> one.onChanges(() -> {})).isInstanceOf(IllegalStateException.class);
            assertThat(other.read("ns", "k").join())
                    .as("the data outlives the instance")
                    .isPresent();
        }

        @Test
        @DisplayName("closing an instance rolls back its held batch, as a process that dies mid-transaction")
        void closeRollsBackTheHeldBatch() throws Exception {
            SharedMemoryInstance one = store.open();
            SharedMemoryInstance other = store.open();
            HeldBatch held = one.holdNextBatch();
            CompletableFuture<ConditionalResult> result =
                    writeAsync(one, List.of(put("k", 1, "1", ConditionalWrite.ABSENT)));
            held.awaitHeld(WAIT);
            one.close();
            assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("closed while its batch was held open");
            assertThat(other.writeConditionally(List.of(put("k", 1, "2", ConditionalWrite.ABSENT)))
                            .join()
                            .conflicts())
                    .as("its key is free again")
                    .isEmpty();
        }

        @Test
        @DisplayName("sharedmem:<name> is found by service discovery and opens instances of the one named store")
        void openedByUri() {
            BackendProvider provider = ServiceLoader.load(BackendProvider.class).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(p -> p.scheme().equals("sharedmem"))
                    .findFirst()
                    .orElseThrow();
            assertThat(store.uri()).isEqualTo("sharedmem:" + store.name());
            Backend one = provider.open(store.name(), StorageOptions.defaults());
            try (Backend two = provider.open(store.name(), StorageOptions.defaults())) {
                assertThat(one).isInstanceOf(SharedBackend.class).isNotSameAs(two);
                one.write(List.of(Mutation.put("ns", record("ns", "k", 1, "1"))))
                        .join();
                assertThat(two.read("ns", "k").join()).isPresent();
                assertThat(store.open().read("ns", "k").join()).isPresent();
                assertThat(store.instances())
                        .as("what the URI opened, for its hooks")
                        .startsWith((SharedMemoryInstance) one, (SharedMemoryInstance) two);
            } finally {
                one.close();
            }
            assertThatThrownBy(() -> provider.open("", StorageOptions.defaults()))
                    .isInstanceOf(BackendException.class)
                    .hasMessageContaining("sharedmem:orders");
        }
    }

    // ---- helpers ----

    private CompletableFuture<ConditionalResult> writeAsync(SharedBackend backend, List<ConditionalWrite> batch) {
        return CompletableFuture.supplyAsync(
                () -> backend.writeConditionally(batch).join(), pool);
    }

    static Record record(String namespace, String key, long rev, String json) {
        return Record.of(namespace, key, rev, 1, json.getBytes(StandardCharsets.UTF_8));
    }

    static ConditionalWrite put(String key, long rev, String json, long expectedRev) {
        return ConditionalWrite.expecting(Mutation.put("ns", record("ns", key, rev, json)), expectedRev);
    }

    static ConditionalWrite delete(String key, long expectedRev) {
        return ConditionalWrite.expecting(Mutation.delete("ns", key), expectedRev);
    }

    static String text(Record record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    /** Polls a condition another thread makes true; bounded, so a broken store fails the test. */
    private static void waitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within " + WAIT).isLessThan(deadline);
            LockSupport.parkNanos(1_000_000); // a poll interval, not a synchronisation
        }
    }
}
