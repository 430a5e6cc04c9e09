package io.github.datastore4j.engine;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one road to the backend's {@link Backend#write}. Submitted batches queue up; a single commit thread takes
 * everything queued, merges it into one backend batch (the last change of a key wins) and commits it, so concurrent
 * writers share commits: group commit. Futures complete, in submission order, when their batch committed.
 *
 * <p>A failed commit is tried again up to {@link Policy#retries} times after a backoff with full jitter (commits are
 * idempotent: each mutation states a whole record). An optional rate limit holds commits back while the records
 * per second committed exceed it; what is held waits in the queue and joins the next commit, so nothing is dropped,
 * and an urgent submission (save, close) ends the wait at once. Urgency never reorders: batches are committed in
 * the order submitted, which is what keeps a key's older value from overwriting a newer one.
 *
 * <p><b>Concurrency contract.</b> {@link #submit} may be called from any thread; batches are committed in the order
 * submitted, so two submissions for one key reach the backend in order. The thread starts on first use and stops on
 * {@link #close()}, which first commits everything already submitted.
 */
final class CommitPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommitPipeline.class);
    private static final int MAX_MUTATIONS_PER_COMMIT = 16_384;

    /** Longest backoff, as a multiple of the first. */
    private static final int MAX_BACKOFF_FACTOR = 100;

    /** What the pipeline does with failures, speed and logging; from the storage's settings. */
    record Policy(int retries, Duration retryBackoff, double writesPerSecond, boolean debug) {
        static final Policy DEFAULT = new Policy(3, Duration.ofMillis(50), 0, false);

        static Policy of(StorageOptions options) {
            return new Policy(options.retries(), options.retryBackoff(), options.writesPerSecond(), options.debug());
        }
    }

    /** Time as the pipeline sees it: the system's, or a test's. */
    interface Clock {
        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepNanos(long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
        };
    }

    private final EngineStatistics statistics;
    private final Backend backend;
    private final String storageUri;
    private final Policy policy;
    private final Clock clock;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Urgent submissions queued and not yet taken: a throttled wait ends when this is above zero. */
    private final AtomicInteger urgentQueued = new AtomicInteger();
    /** Rate limit state, commit thread only: records that may be committed now (negative: debt). */
    private double tokens;

    private long refilledAt;
    private Thread thread;
    private boolean closed;

    /** A batch to commit: either saved mutations, or one sync {@link Change}. */
    private record Pending(List<Mutation> mutations, Change change, CompletableFuture<Void> done, boolean urgent) {}

    private static final Pending STOP = new Pending(List.of(), null, new CompletableFuture<>(), true);

    /**
     * Runs {@code task} on the commit thread once everything submitted before it committed: for backend writes other
     * than batches (quarantine), which the SPI also promises to call from one thread at a time.
     */
    <T> CompletableFuture<T> runExclusively(java.util.function.Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        submit(List.of()).whenComplete((ignored, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            try {
                task.get().whenComplete((value, error) -> {
                    if (error == null) {
                        result.complete(value);
                    } else {
                        result.completeExceptionally(error);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    CommitPipeline(Backend backend, String storageUri) {
        this(backend, storageUri, Policy.DEFAULT, Clock.SYSTEM);
    }

    CommitPipeline(Backend backend, String storageUri, Policy policy, Clock clock) {
        this(backend, storageUri, policy, clock, new EngineStatistics("test"));
    }

    CommitPipeline(Backend backend, String storageUri, Policy policy, Clock clock, EngineStatistics statistics) {
        this.statistics = statistics;
        this.backend = backend;
        this.storageUri = storageUri;
        this.policy = policy;
        this.clock = clock;
        this.tokens = Math.max(1, policy.writesPerSecond());
        this.refilledAt = clock.nanoTime();
    }

    /** Queues {@code mutations}; the future completes once the backend committed them, or fails with the cause. */
    CompletableFuture<Void> submit(List<Mutation> mutations) {
        return submit(mutations, false);
    }

    /** Like {@link #submit(List)}; an urgent batch is not held back by the rate limit, nor is anything before it. */
    CompletableFuture<Void> submit(List<Mutation> mutations, boolean urgent) {
        return counted(mutations.size(), enqueue(new Pending(mutations, null, new CompletableFuture<>(), urgent)));
    }

    /** {@code future}, its {@code size} changes counted as queued until it completes. */
    private CompletableFuture<Void> counted(int size, CompletableFuture<Void> future) {
        if (size > 0) {
            statistics.queued(size);
            future.whenComplete((done, failure) -> statistics.queued(-size));
        }
        return future;
    }

    /** Resolves once everything submitted before it is committed or refused. */
    CompletableFuture<Void> awaitIdle() {
        return submit(List.of(), true);
    }

    /**
     * Queues a sync change. It commits only if it follows what the backend holds for its key; if it does not (an
     * earlier change of the key failed) or its commit fails, the future fails and the change is undone in memory.
     */
    CompletableFuture<Void> submit(Change change) {
        change.slot().uncommitted.incrementAndGet();
        return counted(1, enqueue(new Pending(List.of(change.mutation()), change, new CompletableFuture<>(), false)));
    }

    private CompletableFuture<Void> enqueue(Pending pending) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("commit pipeline of " + storageUri + " is closed");
            }
            if (thread == null) {
                thread = new Thread(this::run, "datastore4j-commit " + storageUri);
                thread.setDaemon(true);
                thread.start();
            }
            if (pending.urgent) {
                urgentQueued.incrementAndGet();
            }
            queue.add(pending);
        }
        if (policy.debug() ? LOG.isDebugEnabled() : LOG.isTraceEnabled()) {
            String line = "queued for " + storageUri + ": " + describe(pending);
            if (policy.debug()) {
                LOG.debug(line);
            } else {
                LOG.trace(line);
            }
        }
        return pending.done;
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        for (; ; ) {
            try {
                Pending first = taken(queue.take());
                if (first == STOP) {
                    return;
                }
                group.add(first);
                int budget = MAX_MUTATIONS_PER_COMMIT;
                if (policy.writesPerSecond() > 0 && !throttle(group)) {
                    // nothing urgent: take only what the rate allows now; the rest waits for the next commit
                    budget = (int) Math.max(first.mutations.size(), Math.min(budget, Math.floor(tokens)));
                }
                boolean stop = drain(group, budget);
                commit(group);
                group.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                LOG.warn("commit thread of {} interrupted; {} batches fail", storageUri, queue.size());
                fail(queue, e);
                return;
            }
        }
    }

    /**
     * Moves queued batches into {@code group} while they fit in {@code budget} mutations (the commit thread is the only
     * consumer, so a peeked batch is the one polled); true if the stop marker was met. An urgent batch always goes,
     * and lifts the budget: everything before it must commit with it.
     */
    private boolean drain(List<Pending> group, int budget) {
        int mutations =
                group.stream().mapToInt(pending -> pending.mutations.size()).sum();
        Pending next;
        while ((next = queue.peek()) != null
                && (next == STOP || next.urgent || mutations + next.mutations.size() <= budget)) {
            queue.poll();
            if (taken(next) == STOP) {
                return true;
            }
            group.add(next);
            mutations += next.mutations.size();
        }
        return false;
    }

    private Pending taken(Pending pending) {
        if (pending.urgent && pending != STOP) {
            urgentQueued.decrementAndGet();
        }
        return pending;
    }

    /**
     * Waits, in slices of at most 10 ms, until the rate limit allows a commit (at least one token), unless the group
     * or the queue holds something urgent. Returns whether something urgent ended it.
     */
    private boolean throttle(List<Pending> group) throws InterruptedException {
        for (; ; ) {
            refill();
            if (urgentQueued.get() > 0 || group.stream().anyMatch(Pending::urgent)) {
                return true;
            }
            if (tokens >= 1) {
                return false;
            }
            long untilOne = (long) Math.ceil((1 - tokens) / policy.writesPerSecond() * 1e9);
            clock.sleepNanos(Math.max(1, Math.min(untilOne, TimeUnit.MILLISECONDS.toNanos(10))));
        }
    }

    private void refill() {
        long now = clock.nanoTime();
        double capacity = Math.max(1, policy.writesPerSecond());
        tokens = Math.min(capacity, tokens + (now - refilledAt) / 1e9 * policy.writesPerSecond());
        refilledAt = now;
    }

    /** Writes a batch, trying again after a jittered, growing backoff while {@code retries} are left. */
    private void write(List<Mutation> batch, int retries) {
        for (int attempt = 0; ; attempt++) {
            long started = System.nanoTime();
            try {
                backend.write(batch).join();
                statistics.commit(batch.size(), System.nanoTime() - started, false);
                if (LOG.isTraceEnabled()) {
                    LOG.trace(
                            "committed {} changes to {} in {} µs",
                            batch.size(),
                            storageUri,
                            TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started));
                }
                if (policy.writesPerSecond() > 0) {
                    refill();
                    tokens -= batch.size();
                }
                return;
            } catch (RuntimeException e) {
                statistics.commit(batch.size(), System.nanoTime() - started, true);
                if (attempt >= retries) {
                    throw e;
                }
                long ceiling =
                        policy.retryBackoff().toNanos() * Math.min(1L << Math.min(attempt, 30), MAX_BACKOFF_FACTOR);
                long wait = ThreadLocalRandom.current().nextLong(ceiling + 1);
                LOG.warn(
                        "commit of {} changes to {} failed (attempt {} of {}): {}; trying again in {} ms",
                        batch.size(),
                        storageUri,
                        attempt + 1,
                        retries + 1,
                        e.getCause() == null ? e : e.getCause(),
                        TimeUnit.NANOSECONDS.toMillis(wait));
                try {
                    clock.sleepNanos(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    e.addSuppressed(interrupted);
                    throw e;
                }
            }
        }
    }

    private static String describe(Pending pending) {
        if (pending.change != null) {
            Mutation mutation = pending.change.mutation();
            return (mutation instanceof Mutation.Put ? "put " : "delete ") + mutation.namespace() + "/" + mutation.key()
                    + (mutation instanceof Mutation.Put
                            ? " rev " + ((Mutation.Put) mutation).record().rev()
                            : "");
        }
        return pending.mutations.isEmpty()
                ? "marker (waits for what is queued before it)"
                : "save of " + pending.mutations.size() + " changes" + (pending.urgent ? " (urgent)" : "");
    }

    /**
     * Commits {@code group} as one backend batch. If that still fails after the retries and the group holds more
     * than one submission, each is committed alone, in order, with one attempt: so the one submission the backend
     * cannot take (a value it refuses) fails alone, and the others, which were only its neighbours in the group,
     * commit. A failure that is the backend's (a full disk) fails them all, one attempt each.
     */
    private void commit(List<Pending> group) {
        Failed failed = attempt(group, policy.retries());
        if (failed == null) {
            return;
        }
        if (failed.pendings.size() == 1) {
            refuse(failed.pendings.get(0), failed.failure);
            return;
        }
        LOG.warn(
                "commit of {} submissions to {} failed: {}; committing each alone",
                failed.pendings.size(),
                storageUri,
                failed.failure.getMessage());
        for (Pending pending : failed.pendings) {
            Failed alone = attempt(List.of(pending), 0);
            if (alone != null) {
                refuse(pending, alone.failure);
            }
        }
    }

    /** Submissions whose commit failed, already rolled back in the slots' committed state but not yet refused. */
    private record Failed(List<Pending> pendings, BackendException failure) {}

    /**
     * Writes the merged changes of {@code group} with up to {@code retries} retries and completes its submissions;
     * a sync change that follows a change of its key that failed is refused at once. Returns what failed, or null.
     */
    private Failed attempt(List<Pending> group, int retries) {
        List<Pending> accepted = new ArrayList<>(group.size());
        Map<KeySlot, StoredValue> committedBefore = new HashMap<>();
        Map<String, Mutation> merged = new LinkedHashMap<>();
        for (Pending pending : group) {
            Change change = pending.change;
            if (change != null) {
                KeySlot slot = change.slot();
                if (slot.committed != change.before()) {
                    refuse(
                            pending,
                            new BackendException(
                                    "change to key '" + slot.key + "' in namespace '"
                                            + change.namespace()
                                            + "' was undone: it followed a change of that key that failed to"
                                            + " commit",
                                    null));
                    continue;
                }
                committedBefore.putIfAbsent(slot, slot.committed);
                slot.committed = change.after();
            }
            accepted.add(pending);
            for (Mutation mutation : pending.mutations) {
                merged.put(mutation.namespace() + '\u0000' + mutation.key(), mutation);
            }
        }
        try {
            if (!merged.isEmpty()) {
                write(new ArrayList<>(merged.values()), retries);
            }
            for (Pending pending : accepted) {
                if (pending.change != null) {
                    settled(pending.change);
                }
                pending.done.complete(null);
            }
            return null;
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            BackendException failure = cause instanceof BackendException
                    ? (BackendException) cause
                    : new BackendException(
                            "backend of " + storageUri + " failed to commit " + merged.size() + " changes: " + cause,
                            cause);
            committedBefore.forEach((slot, value) -> slot.committed = value);
            return accepted.isEmpty() ? null : new Failed(accepted, failure);
        }
    }

    /** Fails a pending batch; a sync change is undone in memory first, so the caller's error and the state agree. */
    private static void refuse(Pending pending, BackendException failure) {
        if (pending.change != null) {
            pending.change.undo().run();
            settled(pending.change);
        }
        pending.done.completeExceptionally(failure);
    }

    private static void settled(Change change) {
        KeySlot slot = change.slot();
        if (slot.uncommitted.decrementAndGet() == 0 && slot.current == null) {
            slot.trySubmit(() -> {}); // an empty op lets the slot of a deleted key retire
        }
    }

    private static void fail(Iterable<Pending> pendings, Throwable cause) {
        for (Pending pending : pendings) {
            refuse(pending, new BackendException("commit abandoned: " + cause, cause));
        }
    }

    /** Commits everything submitted so far, then stops the thread. Idempotent. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = thread;
            if (running != null) {
                queue.add(STOP);
            }
        }
        if (running != null) {
            try {
                running.join(60_000);
                if (running.isAlive()) {
                    LOG.error("commit thread of {} did not finish within a minute; abandoning", storageUri);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        fail(queue, new IllegalStateException("storage closed"));
    }
}
