package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of a {@link SharedBackend}, proven with several independent instances on one store, as several
 * processes would open it: conditional writes that never lose an update, a change feed that never skips a change
 * that commits late, leases whose fencing tokens refuse a stale holder.
 *
 * <pre>{@code
 * class MySharedBackendTest extends SharedBackendKit {
 *     protected List<SharedBackend> openInstances(int count) { ... count backends on one fresh store ... }
 *     protected HeldWrite holdOpen(SharedBackend backend, List<ConditionalWrite> batch) { ... }
 * }
 * }</pre>
 */
public abstract class SharedBackendKit {
    /** Instances the tests get; the concurrency tests use them all. */
    protected static final int INSTANCES = 4;

    protected List<SharedBackend> instances;

    /** {@code count} independent instances (own connections, own state) on one store no other test uses. */
    protected abstract List<SharedBackend> openInstances(int count);

    /**
     * Starts {@code batch} on {@code backend} and holds its transaction open once it has taken its feed positions,
     * until {@link HeldWrite#commit()}: a writer that commits late.
     */
    protected abstract HeldWrite holdOpen(SharedBackend backend, List<ConditionalWrite> batch);

    /**
     * Whether the backend admits one write transaction at a time over the whole store (SQLite), taking each change's
     * position inside it: positions are then in commit order, no change can commit late with a smaller position, and
     * a write held open by {@link #holdOpen} keeps every other writer waiting. The tests of late commits, which need
     * a second writer to commit while the first is open, then prove that instead. Default {@code false}.
     */
    protected boolean writersSerialized() {
        return false;
    }

    /** A write held open before its commit. */
    public interface HeldWrite {
        /** Returns once the write holds its positions (and its locks) and waits to commit. */
        void awaitHeld() throws InterruptedException;

        /** Lets it commit; completes with its result. */
        CompletableFuture<ConditionalResult> commit();
    }

    @BeforeEach
    void openTheInstances() {
        instances = openInstances(INSTANCES);
    }

    @AfterEach
    void closeTheInstances() {
        if (instances != null) {
            instances.forEach(SharedBackend::close);
        }
    }

    protected static Record record(String namespace, String key, long rev, String json) {
        return Record.of(namespace, key, rev, 1, json.getBytes(StandardCharsets.UTF_8));
    }

    protected static ConditionalWrite put(String key, long rev, String json, long expectedRev) {
        return put("ns", key, rev, json, expectedRev);
    }

    protected static ConditionalWrite put(String namespace, String key, long rev, String json, long expectedRev) {
        return ConditionalWrite.expecting(Mutation.put(namespace, record(namespace, key, rev, json)), expectedRev);
    }

    /** Commits {@code write} alone on {@code backend}, which must succeed; returns its position. */
    private static long commit(SharedBackend backend, ConditionalWrite write) {
        ConditionalResult result = backend.writeConditionally(List.of(write)).join();
        assertThat(result.conflicts()).as("conflicts of %s", write).isEmpty();
        return result.position();
    }

    private static List<Record> scan(SharedBackend backend, String namespace) {
        List<Record> records = Collections.synchronizedList(new ArrayList<>());
        backend.scan(namespace, records::add).join();
        return List.copyOf(records);
    }

    private static String text(Record record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    @Nested
    @DisplayName("conditional writes")
    class ConditionalWrites {
        @Test
        @Timeout(value = 5, unit = TimeUnit.MINUTES)
        @DisplayName("compare-and-set increments from 4 instances x 4 threads x 250 on one key sum exactly, half of the"
                + " threads answered on their own thread (writeConditionallyHere)")
        void concurrentIncrementsSumExactly() throws Exception {
            int threads = 4;
            int perThread = 250;
            ExecutorService pool = Executors.newFixedThreadPool(INSTANCES * threads);
            CyclicBarrier start = new CyclicBarrier(INSTANCES * threads);
            try {
                List<Future<Integer>> retries = new ArrayList<>();
                for (SharedBackend backend : instances) {
                    for (int t = 0; t < threads; t++) {
                        boolean here = t % 2 == 1;
                        retries.add(pool.submit(() -> {
                            start.await();
                            return increment(backend, perThread, here);
                        }));
                    }
                }
                int conflicts = 0;
                for (Future<Integer> f : retries) {
                    conflicts += f.get();
                }
                Record counter = instances.get(0).read("ns", "counter").join().orElseThrow();
                assertThat(text(counter)).isEqualTo(Integer.toString(INSTANCES * threads * perThread));
                assertThat(counter.rev()).isEqualTo(INSTANCES * threads * perThread);
                System.out.printf("%d increments, %d conflicts retried%n", INSTANCES * threads * perThread, conflicts);
            } finally {
                pool.shutdownNow();
            }
        }

        /**
         * Increments {@code counter} {@code times} by compare-and-set, through {@link
         * SharedBackend#writeConditionallyHere} if {@code here}; returns how many conflicts it retried.
         */
        private int increment(SharedBackend backend, int times, boolean here) {
            int conflicts = 0;
            Optional<Record> current = backend.read("ns", "counter").join();
            for (int done = 0; done < times; ) {
                long rev = current.map(Record::rev).orElse(0L);
                long value = current.map(r -> Long.parseLong(text(r))).orElse(0L);
                List<ConditionalWrite> batch = List.of(put(
                        "counter",
                        rev + 1,
                        Long.toString(value + 1),
                        current.isPresent() ? rev : ConditionalWrite.ABSENT));
                ConditionalResult result = here
                        ? backend.writeConditionallyHere(batch)
                        : backend.writeConditionally(batch).join();
                if (result.conflicts().isEmpty()) {
                    done++;
                    current = Optional.of(record("ns", "counter", rev + 1, Long.toString(value + 1)));
                } else {
                    conflicts++;
                    current = result.conflicts().get(0).found();
                }
            }
            return conflicts;
        }

        @Test
        @DisplayName("writeConditionallyHere fails as writeConditionally's future does, unwrapped: two writes of one"
                + " key are refused")
        void writeHereFailsUnwrapped() {
            List<ConditionalWrite> twice = List.of(
                    put("twice", 1, "1", ConditionalWrite.ABSENT), put("twice", 1, "2", ConditionalWrite.ABSENT));
            assertThatThrownBy(() -> instances.get(0).writeConditionallyHere(twice))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("twice");
            assertThat(instances.get(0).read("ns", "twice").join()).isEmpty();
            assertThat(instances
                            .get(0)
                            .writeConditionallyHere(List.of(put("twice", 1, "1", ConditionalWrite.ABSENT)))
                            .conflicts())
                    .isEmpty();
        }

        @Test
        @DisplayName("a mixed batch commits exactly the writes whose conditions hold and reports the others")
        void mixedBatchCommitsExactlyTheOnesThatHold() {
            SharedBackend first = instances.get(0);
            first.write(List.of(
                            Mutation.put("ns", record("ns", "a", 1, "1")),
                            Mutation.put("ns", record("ns", "b", 1, "1")),
                            Mutation.put("ns", record("ns", "e", 2, "2"))))
                    .join();
            ConditionalResult result = instances
                    .get(1)
                    .writeConditionally(List.of(
                            put("a", 2, "2", 1), // holds
                            put("b", 6, "6", 5), // stale: b is at 1
                            put("c", 1, "1", ConditionalWrite.ABSENT), // holds
                            put("d", 4, "4", 3), // d has no record
                            ConditionalWrite.expecting(Mutation.delete("ns", "e"), 1), // e is at 2
                            put("f", 1, "1", ConditionalWrite.ANY_REV))) // holds
                    .join();
            assertThat(result.conflicts())
                    .extracting(ConditionalResult.Conflict::index)
                    .containsExactly(1, 3, 4);
            assertThat(result.conflicts()).noneMatch(ConditionalResult.Conflict::fenced);
            assertThat(result.conflicts().get(0).found().orElseThrow().rev()).isEqualTo(1);
            assertThat(result.conflicts().get(1).found()).isEmpty();
            assertThat(result.conflicts().get(2).found().orElseThrow().rev()).isEqualTo(2);
            SharedBackend other = instances.get(2);
            assertThat(other.read("ns", "a").join().orElseThrow().rev()).isEqualTo(2);
            assertThat(other.read("ns", "b").join().orElseThrow().rev()).isEqualTo(1);
            assertThat(other.read("ns", "c").join()).isPresent();
            assertThat(other.read("ns", "d").join()).isEmpty();
            assertThat(other.read("ns", "e").join()).isPresent();
            assertThat(other.read("ns", "f").join()).isPresent();
        }

        @Test
        @DisplayName("a batch where nothing holds changes nothing, and a second insert of an absent key conflicts")
        void absentConditionAdmitsOneWriter() {
            assertThat(instances
                            .get(0)
                            .writeConditionally(List.of(put("k", 1, "1", ConditionalWrite.ABSENT)))
                            .join()
                            .conflicts())
                    .isEmpty();
            ConditionalResult second = instances
                    .get(1)
                    .writeConditionally(List.of(put("k", 1, "2", ConditionalWrite.ABSENT)))
                    .join();
            assertThat(second.conflicts()).hasSize(1);
            assertThat(text(second.conflicts().get(0).found().orElseThrow())).isEqualTo("1");
        }
    }

    @Nested
    @DisplayName("the change feed")
    class Feed {
        @Test
        @DisplayName("committed changes come in position order, deletes included, and head reaches the last")
        void changesInOrder() {
            SharedBackend writer = instances.get(0);
            long first = writer.writeConditionally(List.of(put("a", 1, "1", ConditionalWrite.ABSENT)))
                    .join()
                    .position();
            long second = writer.writeConditionally(List.of(ConditionalWrite.expecting(Mutation.delete("ns", "a"), 1)))
                    .join()
                    .position();
            assertThat(second).isGreaterThan(first);
            SharedBackend reader = instances.get(1);
            assertThat(reader.head().join()).isEqualTo(second);
            ChangePage page = reader.changesAfter("ns", 0, 100).join();
            assertThat(page.changes()).extracting(ChangePage.Change::position).containsExactly(first, second);
            assertThat(page.changes().get(0).record().map(SharedBackendKit::text))
                    .contains("1");
            assertThat(page.changes().get(1).record()).isEmpty();
            assertThat(page.next()).isEqualTo(second);
            assertThat(reader.changesAfter("ns", page.next(), 100).join().changes())
                    .isEmpty();
            ChangePage one = reader.changesAfter("ns", 0, 1).join();
            assertThat(one.changes()).hasSize(1);
            assertThat(one.next()).isEqualTo(first);
        }

        @Test
        @DisplayName("a namespace's feed holds its own changes only, and positions grow across namespaces")
        void feedIsPerNamespace() {
            SharedBackend writer = instances.get(0);
            long a = commit(writer, put("ns", "a", 1, "1", ConditionalWrite.ABSENT));
            long otherA = commit(writer, put("other", "a", 1, "\"other\"", ConditionalWrite.ABSENT)); // same key
            long deleted = commit(writer, ConditionalWrite.expecting(Mutation.delete("ns", "a"), 1));
            long otherB = commit(writer, put("other", "b", 1, "1", ConditionalWrite.ABSENT));
            long both = writer.writeConditionally(List.of(
                            put("ns", "m", 1, "1", ConditionalWrite.ABSENT),
                            put("other", "m", 1, "1", ConditionalWrite.ABSENT)))
                    .join()
                    .position();
            assertThat(List.of(a, otherA, deleted, otherB, both)).isSorted().doesNotHaveDuplicates();

            SharedBackend reader = instances.get(1);
            ChangePage ns = reader.changesAfter("ns", 0, 100).join();
            ChangePage other = reader.changesAfter("other", 0, 100).join();
            assertThat(ns.changes()).extracting(ChangePage.Change::key).containsExactly("a", "a", "m");
            assertThat(other.changes()).extracting(ChangePage.Change::key).containsExactly("a", "b", "m");
            assertThat(ns.changes()).extracting(ChangePage.Change::namespace).containsOnly("ns");
            assertThat(other.changes()).extracting(ChangePage.Change::namespace).containsOnly("other");
            // a record's checksum covers its namespace: a change of another namespace passed off as this one fails it
            for (ChangePage page : List.of(ns, other)) {
                for (ChangePage.Change change : page.changes()) {
                    change.record().ifPresent(r -> assertThat(r.checksumValid(change.namespace()))
                            .as("change %s read as namespace %s", change.position(), change.namespace())
                            .isTrue());
                }
            }
            List<Long> nsPositions =
                    ns.changes().stream().map(ChangePage.Change::position).toList();
            List<Long> otherPositions =
                    other.changes().stream().map(ChangePage.Change::position).toList();
            assertThat(nsPositions.subList(0, 2)).containsExactly(a, deleted);
            assertThat(nsPositions.get(2)).isGreaterThan(otherB).isLessThanOrEqualTo(both);
            assertThat(otherPositions.subList(0, 2)).containsExactly(otherA, otherB);
            assertThat(otherPositions.get(2)).isGreaterThan(otherB).isLessThanOrEqualTo(both);
            assertThat(nsPositions).doesNotContainAnyElementsOf(otherPositions);
            assertThat(ns.next()).isBetween(nsPositions.get(2), both);
            assertThat(reader.head().join())
                    .as("the head is over every namespace")
                    .isEqualTo(both);

            assertThat(reader.changesAfter("ns", otherA, 100).join().changes())
                    .as("read on from a position of another namespace")
                    .extracting(ChangePage.Change::position)
                    .containsExactlyElementsOf(nsPositions.subList(1, 3));
            ChangePage done = reader.changesAfter("ns", ns.next(), 100).join();
            assertThat(done.changes()).isEmpty();
            assertThat(done.next()).isBetween(ns.next(), both);
            ChangePage none = reader.changesAfter("never-written", 0, 100).join();
            assertThat(none.changes()).isEmpty();
            assertThat(none.next())
                    .as("a namespace with nothing to read reaches the head a reader read before")
                    .isEqualTo(both);
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("a change that commits late with a smaller position is not skipped: next stops before it")
        void lateCommitIsNotSkipped() throws Exception {
            assumeFalse(
                    writersSerialized(),
                    "writers are serialized: no change can commit late (heldWriteHoldsOtherWritersBack)");
            HeldWrite late = holdOpen(instances.get(0), List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            SharedBackend reader = instances.get(2);
            late.awaitHeld(); // it holds the smaller position
            ChangePage before;
            long early;
            try {
                early = instances
                        .get(1)
                        .writeConditionally(List.of(put("early", 1, "1", ConditionalWrite.ABSENT)))
                        .join()
                        .position();
                commit(instances.get(1), put("other", "elsewhere", 1, "1", ConditionalWrite.ABSENT));
                before = reader.changesAfter("ns", 0, 100).join();
                assertThat(before.changes())
                        .as("changes delivered while a smaller position may still commit")
                        .isEmpty();
                assertThat(before.next()).isLessThan(early);
                assertThat(reader.head().join()).isLessThan(early);
            } finally {
                late.commit(); // also when an assertion failed: a transaction left open would hold back every feed
            }
            long latePosition = late.commit().get(1, TimeUnit.MINUTES).position();
            assertThat(latePosition).isLessThan(early);
            ChangePage after = reader.changesAfter("ns", before.next(), 100).join();
            assertThat(after.changes()).extracting(ChangePage.Change::key).containsExactly("late", "early");
            assertThat(after.next())
                    .isGreaterThanOrEqualTo(early)
                    .isLessThanOrEqualTo(reader.head().join());
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("a write held open on another namespace never shows in this one's feed, which delivers its own"
                + " change exactly once")
        void lateCommitOfAnotherNamespace() throws Exception {
            assumeFalse(
                    writersSerialized(),
                    "writers are serialized: no change can commit late (heldWriteHoldsOtherWritersBack)");
            HeldWrite late = holdOpen(instances.get(0), List.of(put("other", "late", 1, "1", ConditionalWrite.ABSENT)));
            SharedBackend reader = instances.get(2);
            late.awaitHeld(); // it holds the smaller position, in another namespace
            ChangePage before;
            long early;
            try {
                early = commit(instances.get(1), put("ns", "early", 1, "1", ConditionalWrite.ABSENT));
                before = reader.changesAfter("ns", 0, 100).join();
                // The open write can never become a change of "ns", so this feed may deliver "early" now; a backend
                // whose horizon is shared by every namespace (postgres: xids are server-wide) delivers it once the
                // other commits. Either way nothing of "other", and next never past "early".
                assertThat(before.changes()).extracting(ChangePage.Change::key).isSubsetOf("early");
                assertThat(before.next()).isLessThanOrEqualTo(early);
                assertThat(reader.changesAfter("other", 0, 100).join().changes())
                        .as("the other namespace's feed while its write is open")
                        .isEmpty();
            } finally {
                late.commit();
            }
            long latePosition = late.commit().get(1, TimeUnit.MINUTES).position();
            assertThat(latePosition).isLessThan(early);
            ChangePage after = reader.changesAfter("ns", before.next(), 100).join();
            List<ChangePage.Change> delivered = new ArrayList<>(before.changes());
            delivered.addAll(after.changes());
            assertThat(delivered).extracting(ChangePage.Change::position).containsExactly(early);
            assertThat(delivered).extracting(ChangePage.Change::namespace).containsExactly("ns");
            assertThat(after.next()).isEqualTo(early);
            ChangePage other = reader.changesAfter("other", 0, 100).join();
            assertThat(other.changes()).extracting(ChangePage.Change::position).containsExactly(latePosition);
            assertThat(other.changes()).extracting(ChangePage.Change::key).containsExactly("late");
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("with serialized writers, a write held open keeps another instance's write waiting and out of the"
                + " feed; it commits first, at the smaller position")
        void heldWriteHoldsOtherWritersBack() throws Exception {
            assumeTrue(writersSerialized(), "writers run at once: lateCommitIsNotSkipped proves the feed instead");
            HeldWrite late = holdOpen(instances.get(0), List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            late.awaitHeld();
            CompletableFuture<ConditionalResult> early;
            try {
                early = instances.get(1).writeConditionally(List.of(put("early", 1, "1", ConditionalWrite.ABSENT)));
                ChangePage before = instances.get(2).changesAfter("ns", 0, 100).join();
                assertThat(before.changes())
                        .as("changes delivered while a write is open")
                        .isEmpty();
                assertThat(early).as("a write while another is open").isNotDone();
            } finally {
                late.commit();
            }
            long latePosition = late.commit().get(1, TimeUnit.MINUTES).position();
            long earlyPosition = early.get(1, TimeUnit.MINUTES).position();
            assertThat(latePosition).isLessThan(earlyPosition);
            ChangePage after = instances.get(2).changesAfter("ns", 0, 100).join();
            assertThat(after.changes()).extracting(ChangePage.Change::key).containsExactly("late", "early");
            assertThat(after.next()).isEqualTo(earlyPosition);
        }

        @Test
        @Timeout(value = 1, unit = TimeUnit.MINUTES)
        @DisplayName("a commit in one instance wakes the change listeners of another")
        void commitWakesListeners() throws Exception {
            CountDownLatch woken = new CountDownLatch(1);
            try (AutoCloseable handle = instances.get(1).onChanges(woken::countDown)) {
                // a hint may be lost while the listener connects: keep committing until one wakes it
                int n = 0;
                do {
                    instances
                            .get(0)
                            .writeConditionally(List.of(put("k" + n++, 1, "1", ConditionalWrite.ANY_REV)))
                            .join();
                } while (!woken.await(200, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Nested
    @DisplayName("snapshots")
    class Snapshots {
        @Test
        @DisplayName(
                "a snapshot of a quiet store holds the namespace's records, and its feed goes on past every commit")
        void snapshotOfAQuietStore() {
            SharedBackend writer = instances.get(0);
            List<Long> positions = new ArrayList<>();
            positions.add(commit(writer, put("a", 1, "1", ConditionalWrite.ABSENT)));
            positions.add(commit(writer, put("b", 1, "1", ConditionalWrite.ABSENT)));
            positions.add(commit(writer, put("a", 2, "2", 1)));
            positions.add(commit(writer, put("c", 1, "1", ConditionalWrite.ABSENT)));
            positions.add(commit(writer, ConditionalWrite.expecting(Mutation.delete("ns", "c"), 1)));
            long last = Collections.max(positions);
            commit(writer, put("other", "a", 1, "1", ConditionalWrite.ABSENT));

            SharedBackend reader = instances.get(1);
            SharedSnapshot snapshot = reader.snapshot("ns").join();
            assertThat(snapshot.records()).containsExactlyInAnyOrderElementsOf(scan(instances.get(2), "ns"));
            assertThat(snapshot.records())
                    .extracting(Record::key, Record::rev)
                    .containsExactlyInAnyOrder(tuple("a", 2L), tuple("b", 1L));
            // at or past every change of the namespace: a reader does not read again what it loaded (the position
            // may also pass later changes of other namespaces; that it need not is the contract's business)
            assertThat(snapshot.position()).isGreaterThanOrEqualTo(last);
            assertThat(snapshot.included()).as("nothing was in flight").isEmpty();
            assertThat(reader.changesAfter("ns", snapshot.position(), 100)
                            .join()
                            .changes())
                    .isEmpty();

            long later = commit(writer, put("b", 2, "2", 1));
            assertThat(reader.changesAfter("ns", snapshot.position(), 100)
                            .join()
                            .changes())
                    .extracting(ChangePage.Change::position)
                    .containsExactly(later);
            SharedSnapshot empty = reader.snapshot("never-written").join();
            assertThat(empty.records()).isEmpty();
            assertThat(empty.included()).isEmpty();
            assertThat(reader.changesAfter("never-written", empty.position(), 100)
                            .join()
                            .changes())
                    .isEmpty();
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("a snapshot taken while a smaller position is open stops before it and names the later commits it"
                + " holds as included")
        void snapshotWhileASmallerPositionIsOpen() throws Exception {
            assumeFalse(
                    writersSerialized(),
                    "writers are serialized: no change can commit late (heldWriteHoldsOtherWritersBack)");
            HeldWrite late = holdOpen(instances.get(0), List.of(put("late", 1, "1", ConditionalWrite.ABSENT)));
            late.awaitHeld();
            SharedSnapshot snapshot;
            long early;
            try {
                early = commit(instances.get(1), put("early", 1, "1", ConditionalWrite.ABSENT));
                commit(instances.get(1), put("other", "elsewhere", 1, "1", ConditionalWrite.ABSENT)); // never included
                snapshot = instances.get(2).snapshot("ns").join();
            } finally {
                late.commit();
            }
            long latePosition = late.commit().get(1, TimeUnit.MINUTES).position();
            assertThat(latePosition).isLessThan(early);
            assertThat(snapshot.records()).extracting(Record::key).containsExactly("early");
            assertThat(snapshot.position())
                    .as("the snapshot's position, with the late write still open at " + latePosition)
                    .isLessThan(latePosition);
            assertThat(snapshot.included()).containsExactly(early);
            assertThat(follow(instances.get(2), "ns", snapshot, early))
                    .extracting(ChangePage.Change::key)
                    .containsExactly("late");
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("a snapshot taken while another namespace holds a smaller position open holds this namespace's"
                + " commits once: at or before its position, or included")
        void snapshotWhileAnotherNamespaceHasASmallerPositionOpen() throws Exception {
            assumeFalse(
                    writersSerialized(),
                    "writers are serialized: no change can commit late (heldWriteHoldsOtherWritersBack)");
            HeldWrite late = holdOpen(instances.get(0), List.of(put("other", "late", 1, "1", ConditionalWrite.ABSENT)));
            late.awaitHeld();
            SharedSnapshot snapshot;
            long early;
            try {
                early = commit(instances.get(1), put("early", 1, "1", ConditionalWrite.ABSENT));
                commit(instances.get(1), put("other", "elsewhere", 1, "1", ConditionalWrite.ABSENT)); // never included
                snapshot = instances.get(2).snapshot("ns").join();
            } finally {
                late.commit();
            }
            late.commit().get(1, TimeUnit.MINUTES);
            assertThat(snapshot.records()).extracting(Record::key).containsExactly("early");
            // whether the position may pass the other namespace's open write is the backend's choice
            if (snapshot.position() < early) {
                assertThat(snapshot.included()).containsExactly(early);
            } else {
                assertThat(snapshot.included()).isEmpty();
            }
            assertThat(follow(instances.get(2), "ns", snapshot, early))
                    .as("changes delivered after the snapshot")
                    .isEmpty();
        }

        @Test
        @Timeout(value = 5, unit = TimeUnit.MINUTES)
        @DisplayName("snapshots taken while 3 instances put, delete and re-create 5 keys, each followed from its"
                + " position skipping what it includes, end in the store's state: every change applied once, none"
                + " under a newer one")
        void snapshotsFollowedUnderConcurrentWrites() throws Exception {
            List<String> keys = List.of("k0", "k1", "k2", "k3", "k4");
            int writers = INSTANCES - 1; // the last instance snapshots and follows
            int perWriter = 300;
            // every change of "ns" that committed, as its writer saw it commit: what each check is held against
            Map<Long, ChangePage.Change> committed = new ConcurrentHashMap<>();
            List<CountDownLatch> milestones = new ArrayList<>();
            for (int eighth = 1; eighth <= 7; eighth++) { // a snapshot at each
                milestones.add(new CountDownLatch(writers * perWriter * eighth / 8));
            }
            CountDownLatch warmedUp = new CountDownLatch(writers * 5);
            SharedBackend reader = instances.get(INSTANCES - 1);
            List<SharedSnapshot> snapshots = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<?>> churning = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    SharedBackend backend = instances.get(w);
                    int writer = w;
                    churning.add(pool.submit(() -> {
                        churn(backend, writer, keys, perWriter, committed, warmedUp, milestones);
                        return null;
                    }));
                }
                assertThat(warmedUp.await(1, TimeUnit.MINUTES)).isTrue();
                if (!writersSerialized()) {
                    forceALateCommit(reader, committed, snapshots);
                }
                for (CountDownLatch milestone : milestones) {
                    assertThat(milestone.await(2, TimeUnit.MINUTES)).isTrue();
                    snapshots.add(reader.snapshot("ns").join());
                }
                for (Future<?> writer : churning) {
                    writer.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            snapshots.add(reader.snapshot("ns").join());

            Map<String, Record> finalState = byKey(scan(reader, "ns"));
            long last = Collections.max(committed.keySet());
            assertThat(reader.head().join()).isGreaterThanOrEqualTo(last);
            assertThat(replay(committed.values(), c -> true))
                    .as("each key's committed changes applied in position order (the order they committed)")
                    .isEqualTo(finalState);
            if (!writersSerialized()) {
                assertThat(snapshots.get(0).included())
                        .as("the snapshot taken while a smaller position was open")
                        .isNotEmpty();
            }
            int withIncluded = 0;
            for (SharedSnapshot snapshot : snapshots) {
                checkSnapshotAndFollow(reader, snapshot, committed, last, finalState);
                withIncluded += snapshot.included().isEmpty() ? 0 : 1;
            }
            System.out.printf(
                    "%d changes of ns committed; %d snapshots followed, %d with included positions%n",
                    committed.size(), snapshots.size(), withIncluded);
        }

        /** A write holds a smaller position open while a later one commits before a snapshot is taken. */
        private void forceALateCommit(
                SharedBackend reader, Map<Long, ChangePage.Change> committed, List<SharedSnapshot> snapshots)
                throws Exception {
            Record heldRecord = record("ns", "held", 1, "\"held\"");
            HeldWrite late = holdOpen(
                    instances.get(0),
                    List.of(ConditionalWrite.expecting(Mutation.put("ns", heldRecord), ConditionalWrite.ABSENT)));
            late.awaitHeld();
            try {
                Record earlyRecord = record("ns", "early", 1, "\"early\"");
                long early = commit(
                        reader, ConditionalWrite.expecting(Mutation.put("ns", earlyRecord), ConditionalWrite.ABSENT));
                committed.put(early, new ChangePage.Change(early, "ns", "early", Optional.of(earlyRecord)));
                snapshots.add(reader.snapshot("ns").join());
            } finally {
                late.commit();
            }
            ConditionalResult held = late.commit().get(1, TimeUnit.MINUTES);
            assertThat(held.conflicts()).isEmpty();
            committed.put(
                    held.position(), new ChangePage.Change(held.position(), "ns", "held", Optional.of(heldRecord)));
        }

        /**
         * Holds {@code snapshot} against every committed change: its records are exactly what the changes at or before
         * its position and the included ones leave; following it applies every other change once, each after every
         * change of its key that the state holds already, and ends in {@code finalState}.
         */
        private void checkSnapshotAndFollow(
                SharedBackend reader,
                SharedSnapshot snapshot,
                Map<Long, ChangePage.Change> committed,
                long last,
                Map<String, Record> finalState) {
            String what = "snapshot at " + snapshot.position() + " including " + new TreeSet<>(snapshot.included());
            assertThat(committed.keySet())
                    .as("%s: its included positions are committed changes of its namespace", what)
                    .containsAll(snapshot.included());
            assertThat(byKey(snapshot.records()))
                    .as("%s: its records are what the changes it reflects leave", what)
                    .isEqualTo(replay(committed.values(), c -> reflects(snapshot, c.position())));
            // per key, the position of the newest change the state holds: nothing older may be applied over it
            Map<String, Long> newest = new HashMap<>();
            committed.values().stream()
                    .filter(c -> reflects(snapshot, c.position()))
                    .forEach(c -> newest.merge(c.key(), c.position(), Math::max));
            Map<String, Record> state = new HashMap<>(byKey(snapshot.records()));
            Set<Long> applied = new HashSet<>();
            long position = snapshot.position();
            while (position < last) { // bounded by the test's timeout: the feed reaches last once nothing is open
                ChangePage page = reader.changesAfter("ns", position, 7).join(); // small pages: many continuations
                for (ChangePage.Change change : page.changes()) {
                    assertThat(change.namespace()).isEqualTo("ns");
                    if (snapshot.included().contains(change.position())) {
                        continue;
                    }
                    assertThat(applied.add(change.position()))
                            .as("%s: change %d applied twice", what, change.position())
                            .isTrue();
                    long before = newest.getOrDefault(change.key(), 0L);
                    assertThat(change.position())
                            .as("%s: change of key '%s' applied over the newer %d", what, change.key(), before)
                            .isGreaterThan(before);
                    newest.put(change.key(), change.position());
                    change.record().ifPresentOrElse(r -> state.put(change.key(), r), () -> state.remove(change.key()));
                }
                assertThat(page.next()).isGreaterThanOrEqualTo(position);
                position = page.next();
            }
            assertThat(applied)
                    .as("%s: the changes applied after it", what)
                    .containsExactlyInAnyOrderElementsOf(committed.keySet().stream()
                            .filter(at -> !reflects(snapshot, at))
                            .toList());
            assertThat(state).as("%s: the state it ends in", what).isEqualTo(finalState);
        }
    }

    /** Whether {@code snapshot}'s records reflect the change at {@code position}, by what it says of itself. */
    private static boolean reflects(SharedSnapshot snapshot, long position) {
        return position <= snapshot.position() || snapshot.included().contains(position);
    }

    /** The state that the {@code changes} that pass {@code filter} leave, each key's applied in position order. */
    private static Map<String, Record> replay(
            Collection<ChangePage.Change> changes, Predicate<ChangePage.Change> filter) {
        Map<String, Record> state = new HashMap<>();
        changes.stream()
                .filter(filter)
                .sorted(Comparator.comparingLong(ChangePage.Change::position))
                .forEach(c -> c.record().ifPresentOrElse(r -> state.put(c.key(), r), () -> state.remove(c.key())));
        return state;
    }

    private static Map<String, Record> byKey(List<Record> records) {
        Map<String, Record> byKey = new HashMap<>();
        for (Record record : records) {
            assertThat(byKey.put(record.key(), record))
                    .as("key '%s' twice", record.key())
                    .isNull();
        }
        return byKey;
    }

    /**
     * Follows {@code namespace}'s feed from {@code snapshot}, skipping what it includes, until it reaches {@code
     * until}; returns the changes delivered.
     */
    private static List<ChangePage.Change> follow(
            SharedBackend reader, String namespace, SharedSnapshot snapshot, long until) {
        List<ChangePage.Change> delivered = new ArrayList<>();
        for (long position = snapshot.position(); position < until; ) {
            ChangePage page = reader.changesAfter(namespace, position, 100).join();
            page.changes().stream()
                    .filter(c -> !snapshot.included().contains(c.position()))
                    .forEach(delivered::add);
            position = page.next();
        }
        return delivered;
    }

    /**
     * {@code operations} conditional writes of random {@code keys} of "ns" by one writer, each as its last view of
     * the key allows — a create if it saw none, else an update or (one in three) a delete of the revision it saw — so
     * writers collide; records each committed change in {@code committed}, and writes another namespace in between.
     */
    private static void churn(
            SharedBackend backend,
            int writer,
            List<String> keys,
            int operations,
            Map<Long, ChangePage.Change> committed,
            CountDownLatch warmedUp,
            List<CountDownLatch> milestones) {
        Map<String, Optional<Record>> seen = new HashMap<>();
        Random random = new Random(writer);
        for (int i = 0; i < operations; i++) {
            String key = keys.get(random.nextInt(keys.size()));
            Optional<Record> current = seen.getOrDefault(key, Optional.empty());
            String value = "\"w" + writer + "-" + i + "\"";
            Optional<Record> written;
            ConditionalWrite write;
            if (current.isEmpty()) {
                written = Optional.of(record("ns", key, 1, value));
                write = ConditionalWrite.expecting(Mutation.put("ns", written.get()), ConditionalWrite.ABSENT);
            } else if (random.nextInt(3) == 0) {
                written = Optional.empty();
                write = ConditionalWrite.expecting(
                        Mutation.delete("ns", key), current.get().rev());
            } else {
                written = Optional.of(record("ns", key, current.get().rev() + 1, value));
                write = ConditionalWrite.expecting(
                        Mutation.put("ns", written.get()), current.get().rev());
            }
            ConditionalResult result =
                    backend.writeConditionally(List.of(write)).join();
            if (result.conflicts().isEmpty()) {
                ChangePage.Change change = new ChangePage.Change(result.position(), "ns", key, written);
                assertThat(committed.putIfAbsent(result.position(), change))
                        .as("position %d reported twice", result.position())
                        .isNull();
                seen.put(key, written);
                warmedUp.countDown();
            } else {
                seen.put(key, result.conflicts().get(0).found());
            }
            if (i % 10 == 0) { // positions of another namespace between this one's
                commit(backend, put("other", "o" + writer, i + 1, "1", ConditionalWrite.ANY_REV));
            }
            milestones.forEach(CountDownLatch::countDown);
        }
    }

    @Nested
    @DisplayName("quarantine")
    class Quarantines {
        @Test
        @DisplayName("a quarantine moves the damaged revision aside as a delete in the feed, and nothing once the key"
                + " was rewritten, is held by a live lease, or has no record")
        void quarantineIsAConditionalDelete() {
            SharedBackend one = instances.get(0);
            SharedBackend two = instances.get(1);
            long start = commit(one, put("k", 1, "1", ConditionalWrite.ABSENT));
            commit(one, put("k", 2, "2", 1));
            String stayed =
                    two.quarantine(new Damaged("ns", "k", null, "checksum", 1)).join();
            assertThat(stayed)
                    .as("revision 1 was read damaged; 2 is another process's")
                    .contains("revision 2");
            assertThat(one.read("ns", "k").join().map(SharedBackendKit::text)).contains("2");

            String moved =
                    two.quarantine(new Damaged("ns", "k", null, "checksum", 2)).join();
            assertThat(moved).doesNotStartWith("nothing");
            assertThat(one.read("ns", "k").join()).isEmpty();
            assertThat(scan(one, "ns")).isEmpty();
            ChangePage page = one.changesAfter("ns", start, 100).join();
            assertThat(page.changes())
                    .as("the rewrite, then the quarantine's delete")
                    .extracting(
                            change -> change.key(), change -> change.record().isPresent())
                    .containsExactly(tuple("k", true), tuple("k", false));
            assertThat(two.quarantine(new Damaged("ns", "k", null, "checksum", 2))
                            .join())
                    .as("no record any more")
                    .startsWith("nothing");

            commit(one, put("held", 1, "1", ConditionalWrite.ABSENT));
            one.acquireLease("ns", "held", "one", Duration.ofMinutes(1)).join().orElseThrow();
            assertThat(two.quarantine(new Damaged("ns", "held", null, "checksum", 1))
                            .join())
                    .contains("lease");
            assertThat(one.read("ns", "held").join()).isPresent();
        }
    }

    @Nested
    @DisplayName("leases")
    class Leases {
        @Test
        @DisplayName("a held lease is refused to another holder; an expired one is taken with a greater token")
        void expiredLeaseIsTakenWithAGreaterToken() {
            SharedBackend one = instances.get(0);
            SharedBackend two = instances.get(1);
            Lease held = one.acquireLease("ns", "k", "one", Duration.ofMinutes(1))
                    .join()
                    .orElseThrow();
            assertThat(two.acquireLease("ns", "k", "two", Duration.ofMinutes(1)).join())
                    .isEmpty();
            assertThat(one.releaseLease(held).join()).isTrue();
            assertThat(one.releaseLease(held).join()).isFalse();
            Lease expired =
                    two.acquireLease("ns", "k", "two", Duration.ZERO).join().orElseThrow();
            assertThat(expired.token()).isGreaterThan(held.token());
            assertThat(two.renewLease(expired, Duration.ofMinutes(1)).join()).isEmpty();
            Lease third = one.acquireLease("ns", "k", "three", Duration.ofMinutes(1))
                    .join()
                    .orElseThrow();
            assertThat(third.token()).isGreaterThan(expired.token());
            Lease renewed = one.renewLease(third, Duration.ofMinutes(2)).join().orElseThrow();
            assertThat(renewed.token()).isEqualTo(third.token());
            assertThat(renewed.expiresAt()).isAfter(third.expiresAt());
        }

        @Test
        @DisplayName("a write carrying a stale fencing token is refused as fenced; the current token's write commits")
        void staleTokenIsFenced() {
            SharedBackend one = instances.get(0);
            SharedBackend two = instances.get(1);
            Lease stale =
                    one.acquireLease("ns", "k", "one", Duration.ZERO).join().orElseThrow();
            Lease current = two.acquireLease("ns", "k", "two", Duration.ofMinutes(1))
                    .join()
                    .orElseThrow();
            ConditionalResult refused = one.writeConditionally(List.of(new ConditionalWrite(
                            Mutation.put("ns", record("ns", "k", 1, "\"one\"")),
                            ConditionalWrite.ANY_REV,
                            stale.token())))
                    .join();
            assertThat(refused.conflicts()).singleElement().satisfies(c -> assertThat(c.fenced())
                    .isTrue());
            assertThat(one.read("ns", "k").join()).isEmpty();
            ConditionalResult written = two.writeConditionally(List.of(new ConditionalWrite(
                            Mutation.put("ns", record("ns", "k", 1, "\"two\"")),
                            ConditionalWrite.ANY_REV,
                            current.token())))
                    .join();
            assertThat(written.conflicts()).isEmpty();
            assertThat(one.read("ns", "k").join().map(SharedBackendKit::text)).contains("\"two\"");
        }

        @Test
        @DisplayName(
                "an unconditional write touching a leased key is refused whole, naming the key; nothing is written")
        void unconditionalWriteRespectsLeases() {
            SharedBackend one = instances.get(0);
            SharedBackend two = instances.get(1);
            commit(one, put("held", 1, "\"before\"", ConditionalWrite.ABSENT));
            Lease lease = one.acquireLease("ns", "held", "one", Duration.ofMinutes(1))
                    .join()
                    .orElseThrow();
            List<Mutation> batch = List.of(
                    Mutation.put("ns", record("ns", "free", 1, "\"imported\"")),
                    Mutation.put("ns", record("ns", "held", 2, "\"imported\"")));
            assertThatThrownBy(() -> two.write(batch).join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining("'held'")
                    .hasMessageContaining("'ns'");
            assertThatThrownBy(() ->
                            two.write(List.of(Mutation.delete("ns", "held"))).join())
                    .cause()
                    .isInstanceOf(LockedException.class);
            assertThat(one.read("ns", "held").join().map(SharedBackendKit::text))
                    .contains("\"before\"");
            assertThat(one.read("ns", "free").join()).as("all or nothing").isEmpty();

            assertThat(one.releaseLease(lease).join()).isTrue();
            two.write(batch).join();
            assertThat(one.read("ns", "held").join().map(SharedBackendKit::text))
                    .contains("\"imported\"");
            assertThat(one.read("ns", "free").join()).isPresent();
        }

        @Test
        @Timeout(value = 2, unit = TimeUnit.MINUTES)
        @DisplayName("tokens of one key never repeat, whichever instances race for it")
        void tokensNeverRepeat() throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
            CyclicBarrier start = new CyclicBarrier(INSTANCES);
            try {
                List<Future<List<Long>>> grants = new ArrayList<>();
                for (SharedBackend backend : instances) {
                    grants.add(pool.submit(() -> {
                        start.await();
                        List<Long> tokens = new ArrayList<>();
                        for (int i = 0; i < 50; i++) {
                            backend.acquireLease("ns", "k", "h", Duration.ZERO)
                                    .join()
                                    .ifPresent(l -> tokens.add(l.token()));
                        }
                        return tokens;
                    }));
                }
                Set<Long> all = new HashSet<>();
                int count = 0;
                for (Future<List<Long>> f : grants) {
                    List<Long> tokens = f.get();
                    assertThat(tokens).as("one instance's tokens").isSorted();
                    all.addAll(tokens);
                    count += tokens.size();
                }
                assertThat(all).hasSize(count);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
