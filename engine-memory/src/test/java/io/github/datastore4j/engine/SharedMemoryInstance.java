package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's connection to a {@link SharedMemoryStore}: a {@link SharedBackend} over the store's state, with the
 * hooks a test needs to play the network and the other processes.
 *
 * <ul>
 *   <li>{@link #holdNextBatch()}: the next {@code writeConditionally} of this instance that commits a change takes its
 *       positions and locks its keys, then waits, invisible, until the returned {@link HeldBatch} is released (it
 *       commits) or aborted (it rolls back). The call blocks its thread meanwhile, as a JDBC call would: make it from
 *       another thread.
 *   <li>{@link #failNext(Call, int)}: the next calls of a method fail with a {@link ConnectionLostException} cause and
 *       do nothing; {@link #failNextAfterApplying(Call, int)}: they do their work, then fail all the same (for a write:
 *       committed, but the caller cannot know).
 *   <li>{@link #dropHints(boolean)}: while on, the store's wake-ups for this instance are lost, as over a dropped
 *       {@code LISTEN} connection; {@link #hintsDropped()} counts them.
 * </ul>
 *
 * <p>Every future completes on the calling thread (after a held batch's release, on the thread that called {@code
 * writeConditionally}); a failure completes it exceptionally with an {@link IllegalArgumentException} for a bad
 * argument, an {@link IllegalStateException} after {@link #close()}, and an {@link IOException} (a {@link
 * ConnectionLostException}, or a lock timeout) for what a real store's connection would fail with.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: every method, hooks included, may be called from any thread at once.
 * Change listeners run one after another on this instance's hint thread ({@code sharedmem-<store>-<n>-hints}), never
 * on a writer's, and must be brief.
 */
final class SharedMemoryInstance implements SharedBackend {
    private static final Logger LOG = LoggerFactory.getLogger(SharedMemoryInstance.class);

    /** The calls a fault can be injected into. */
    enum Call {
        READ,
        WRITE,
        SCAN,
        NAMESPACES,
        QUARANTINE,
        WRITE_CONDITIONALLY,
        CHANGES_AFTER,
        SNAPSHOT,
        HEAD,
        ACQUIRE_LEASE,
        RENEW_LEASE,
        RELEASE_LEASE
    }

    private final SharedMemoryStore store;
    private final int number;
    private final Map<Call, AtomicInteger> failBefore = counters();
    private final Map<Call, AtomicInteger> failAfter = counters();
    private final AtomicReference<HeldBatch> nextHold = new AtomicReference<>();
    /** Held batches that took their positions and wait for a decision; close rolls them back. */
    private final Set<HeldBatch> holding = ConcurrentHashMap.newKeySet();

    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong hintsDropped = new AtomicLong();
    private volatile boolean droppingHints;
    private final ReentrantLock hintLock = new ReentrantLock();
    private final Condition hinted = hintLock.newCondition();
    // guarded by hintLock
    private boolean hintPending;
    private Thread hintThread;
    private volatile boolean closed;
    private volatile Thread lastWriter;

    SharedMemoryInstance(SharedMemoryStore store, int number) {
        this.store = store;
        this.number = number;
    }

    private static Map<Call, AtomicInteger> counters() {
        Map<Call, AtomicInteger> counters = new EnumMap<>(Call.class);
        for (Call call : Call.values()) {
            counters.put(call, new AtomicInteger());
        }
        return counters; // never modified after construction: reading it from any thread is safe
    }

    // ---- hooks ----

    /**
     * Holds the next {@code writeConditionally} of this instance that commits a change (a batch of conflicts only
     * leaves the hold armed) between taking its positions and becoming visible.
     *
     * @throws IllegalStateException if a hold is armed already
     */
    HeldBatch holdNextBatch() {
        HeldBatch hold = new HeldBatch();
        if (!nextHold.compareAndSet(null, hold)) {
            throw new IllegalStateException(this + " already holds its next batch");
        }
        return hold;
    }

    /** The thread that called {@code writeConditionally} last, or null before the first call. */
    Thread lastWriter() {
        return lastWriter;
    }

    /** Makes the next {@code times} calls of {@code call} fail, doing nothing, as over a dropped connection. */
    void failNext(Call call, int times) {
        failBefore.get(requireNonNull(call, "call")).addAndGet(requireTimes(times));
    }

    /**
     * Makes the next {@code times} calls of {@code call} do their work, then fail: the connection dropped before the
     * answer arrived, so a write committed (its changes are in the feed) though its caller saw a failure.
     */
    void failNextAfterApplying(Call call, int times) {
        failAfter.get(requireNonNull(call, "call")).addAndGet(requireTimes(times));
    }

    /** Ends the failures {@link #failNext} and {@link #failNextAfterApplying} armed for {@code call}. */
    void clearFaults(Call call) {
        failBefore.get(requireNonNull(call, "call")).set(0);
        failAfter.get(call).set(0);
    }

    /** While {@code drop}, the store's wake-ups for this instance are lost instead of running its listeners. */
    void dropHints(boolean drop) {
        droppingHints = drop;
    }

    /** How many wake-ups were lost to {@link #dropHints(boolean)}. */
    long hintsDropped() {
        return hintsDropped.get();
    }

    private static int requireTimes(int times) {
        if (times < 0) {
            throw new IllegalArgumentException("times must not be negative: " + times);
        }
        return times;
    }

    // ---- the SPI ----

    /** Persistent (for the store's life), atomic, durable, ordered, shared. */
    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, true, true, true, true, true);
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        return call(
                Call.READ, "read key '" + key + "' of namespace '" + namespace + "'", () -> store.read(namespace, key));
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        return call(Call.WRITE, "write a batch", () -> {
            store.write(batch);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        return call(Call.SCAN, "scan namespace '" + namespace + "'", () -> {
            store.records(namespace).forEach(sink); // outside the store's lock: a slow sink blocks nobody
            return null;
        });
    }

    /** Moves the record aside into the store's quarantine and records its removal in the feed. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        return call(Call.QUARANTINE, "quarantine an entry", () -> store.quarantine(entry));
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        return call(Call.NAMESPACES, "list namespaces", store::namespaces);
    }

    @Override
    public CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch) {
        lastWriter = Thread.currentThread();
        return call(
                Call.WRITE_CONDITIONALLY,
                "write a batch conditionally",
                () -> store.writeConditionally(batch, () -> {
                    HeldBatch hold = nextHold.getAndSet(null);
                    if (hold != null) {
                        holding.add(hold);
                        if (closed) { // close may have looked at holding before the add
                            hold.abort(this + " was closed while its batch was held open");
                        }
                    }
                    return hold;
                }));
    }

    @Override
    public CompletableFuture<ChangePage> changesAfter(String namespace, long position, int limit) {
        return call(
                Call.CHANGES_AFTER,
                "read the feed of namespace '" + namespace + "' after " + position,
                () -> store.changesAfter(namespace, position, limit));
    }

    @Override
    public CompletableFuture<SharedSnapshot> snapshot(String namespace) {
        return call(Call.SNAPSHOT, "snapshot namespace '" + namespace + "'", () -> store.snapshot(namespace));
    }

    @Override
    public CompletableFuture<Long> head() {
        return call(Call.HEAD, "read the feed's head", store::head);
    }

    /**
     * Runs {@code wakeUp} on this instance's hint thread after changes commit on any instance of the store; wake-ups
     * that come while the thread is busy coalesce into one.
     *
     * @throws IllegalStateException if this instance is closed
     */
    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        requireNonNull(wakeUp, "wakeUp");
        hintLock.lock();
        try {
            requireOpen("listen for changes");
            listeners.add(wakeUp);
            if (hintThread == null) {
                hintThread = new Thread(this::runHints, "sharedmem-" + store.name() + "-" + number + "-hints");
                hintThread.setDaemon(true);
                hintThread.start();
            }
        } finally {
            hintLock.unlock();
        }
        return () -> listeners.remove(wakeUp);
    }

    @Override
    public CompletableFuture<Optional<Lease>> acquireLease(String namespace, String key, String holder, Duration ttl) {
        return call(
                Call.ACQUIRE_LEASE,
                "acquire the lease of key '" + key + "' of namespace '" + namespace + "'",
                () -> store.acquireLease(namespace, key, holder, ttl));
    }

    @Override
    public CompletableFuture<Optional<Lease>> renewLease(Lease lease, Duration ttl) {
        return call(Call.RENEW_LEASE, "renew a lease", () -> store.renewLease(lease, ttl));
    }

    @Override
    public CompletableFuture<Boolean> releaseLease(Lease lease) {
        return call(Call.RELEASE_LEASE, "release a lease", () -> store.releaseLease(lease));
    }

    /**
     * Rolls back this instance's held batches (their calls fail with {@link ConnectionLostException}), stops its
     * hint thread and leaves the store. Idempotent.
     */
    @Override
    public void close() {
        Thread running;
        hintLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            hinted.signalAll();
            running = hintThread;
        } finally {
            hintLock.unlock();
        }
        HeldBatch armed = nextHold.getAndSet(null);
        if (armed != null) {
            armed.abort("its instance was closed before it wrote");
        }
        holding.forEach(h -> h.abort(this + " was closed while its batch was held open"));
        store.forget(this);
        listeners.clear();
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "instance " + number + " of " + store;
    }

    // ---- internals ----

    /** A call's work, which may fail as a real store's connection would. */
    @FunctionalInterface
    private interface Work<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} unless closed or failing, completing the future with what it returns or throws. */
    private <T> CompletableFuture<T> call(Call call, String what, Work<T> work) {
        try {
            requireOpen(what);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (take(failBefore, call)) {
            return CompletableFuture.failedFuture(new ConnectionLostException(
                    "injected: " + this + " lost its connection before it could " + what + "; nothing was done"));
        }
        T result;
        try {
            result = work.run();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            holding.removeIf(HeldBatch::decided);
        }
        if (take(failAfter, call)) {
            return CompletableFuture.failedFuture(new ConnectionLostException("injected: " + this
                    + " lost its connection after it did " + what + "; the caller cannot know it was done"));
        }
        return CompletableFuture.completedFuture(result);
    }

    private static boolean take(Map<Call, AtomicInteger> faults, Call call) {
        return faults.get(call).getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException(this + " is closed: cannot " + what);
        }
    }

    /** A wake-up from the store: handed to the hint thread, never run here (this is a writer's thread). */
    void hint() {
        if (closed) {
            return;
        }
        if (droppingHints) {
            hintsDropped.incrementAndGet();
            return;
        }
        hintLock.lock();
        try {
            hintPending = true;
            hinted.signalAll();
        } finally {
            hintLock.unlock();
        }
    }

    private void runHints() {
        while (true) {
            hintLock.lock();
            try {
                while (!hintPending && !closed) {
                    hinted.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                hintPending = false;
            } finally {
                hintLock.unlock();
            }
            for (Runnable listener : listeners) {
                try {
                    listener.run();
                } catch (RuntimeException e) {
                    LOG.warn("a change listener of {} failed", this, e);
                }
            }
        }
    }

    /**
     * The failure of a call whose connection was lost: injected by {@link #failNext}/{@link #failNextAfterApplying},
     * or a held batch rolled back.
     */
    static final class ConnectionLostException extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionLostException(String message) {
            super(message);
        }
    }

    /**
     * A batch {@linkplain #holdNextBatch() held} between taking its positions and committing.
     *
     * <p><b>Concurrency contract.</b> Thread-safe; {@link #release()} and {@link #abort()} may be called from any
     * thread, any number of times: the first decides.
     */
    static final class HeldBatch {
        private final CompletableFuture<List<Long>> positions = new CompletableFuture<>();
        private final CountDownLatch decided = new CountDownLatch(1);
        private final AtomicReference<Decision> decision = new AtomicReference<>();

        /** Whether to commit, and why not. */
        private record Decision(boolean commit, String why) {}

        /** Called by the store, under its lock, once the positions are taken and the keys locked. */
        void held(List<Long> taken) {
            positions.complete(List.copyOf(taken));
        }

        /**
         * Waits until the batch holds its positions (its keys locked, nothing visible) and returns them.
         *
         * @throws TimeoutException if no batch took the hold within {@code timeout}
         * @throws IllegalStateException if the hold was decided before a batch took it
         */
        List<Long> awaitHeld(Duration timeout) throws InterruptedException, TimeoutException {
            try {
                return positions.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("no batch was held", e.getCause());
            }
        }

        /** The positions taken, once held. */
        Optional<List<Long>> positions() {
            return Optional.ofNullable(positions.isCompletedExceptionally() ? null : positions.getNow(null));
        }

        /** Lets the batch commit: its changes become visible at their positions. Released early, it never waits. */
        void release() {
            decide(new Decision(true, null));
        }

        /** Rolls the batch back: its call fails with a {@link ConnectionLostException}, its positions stay unused. */
        void abort() {
            abort("the test aborted it");
        }

        void abort(String why) {
            decide(new Decision(false, why));
        }

        private void decide(Decision chosen) {
            if (decision.compareAndSet(null, chosen)) {
                decided.countDown();
                positions.completeExceptionally(new IllegalStateException(
                        "it was " + (chosen.commit() ? "released" : "aborted") + " before a batch took the hold"));
            }
        }

        boolean decided() {
            return decision.get() != null;
        }

        /**
         * Waits for the decision (called by the held writer); rolls back on its own after {@code limit}, or if the
         * thread is interrupted.
         *
         * @return whether to commit
         */
        boolean awaitDecision(Duration limit) {
            try {
                if (!decided.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                    abort("it was held open for more than " + limit + " without being released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort("the writing thread was interrupted while its batch was held open");
            }
            return decision.get().commit();
        }

        /** Why it rolled back; null if it commits or is undecided. */
        String rollbackReason() {
            Decision chosen = decision.get();
            return chosen == null ? null : chosen.why();
        }
    }
}
