package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.StorageStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The counters behind {@link io.github.datastore4j.api.Storage#statistics()}: one set per storage, kept always.
 *
 * <p>An operation costs two {@link System#nanoTime()} reads and two {@link LongAdder} increments (contention spreads
 * over the adders' cells, so threads on many keys do not meet on one counter); a future not yet done gets one {@code
 * whenComplete} stage. Levels ({@code queued}, {@code pending}, bytes in memory) are plain atomics.
 *
 * <p><b>Concurrency contract.</b> Thread-safe and lock-free: every method may be called from any thread at once; a
 * {@link #snapshot} reads each figure atomically, not all at one instant.
 */
final class EngineStatistics {
    /** The operations counted, by the API method's name, in the order a snapshot lists them. */
    enum Op {
        GET("get"),
        GET_DOCUMENT("getDocument"),
        GET_LATEST("getLatest"),
        CONTAINS("contains"),
        SIZE("size"),
        QUERY_KEYS("queryKeys"),
        SNAPSHOT("snapshot"),
        CHANGES("changes"),
        SET("set"),
        SET_ALL("setAll"),
        SET_ONCE("setOnce"),
        INCREMENT("increment"),
        PUSH("push"),
        UPDATE("update"),
        PUT("put"),
        DELETE("delete"),
        CLEAR("clear"),
        GET_METADATA("getMetadata"),
        SET_METADATA("setMetadata"),
        UPDATE_METADATA("updateMetadata"),
        AWAIT_CHANGE("awaitChange", true),
        AWAIT_VALUE("awaitValue", true),
        AWAIT_MATCH("awaitMatch", true),
        AWAIT_SIZE("awaitSize", true),
        ACQUIRE("acquire"),
        SAVE("save"),
        LOAD("load");

        final String api;
        final boolean isWait;

        Op(String api) {
            this(api, false);
        }

        Op(String api, boolean isWait) {
            this.api = api;
            this.isWait = isWait;
        }
    }

    private static final class Counters {
        final LongAdder succeeded = new LongAdder();
        final LongAdder succeededNanos = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder failedNanos = new LongAdder();
        final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    }

    private final String backend;
    private final Counters[] operations = new Counters[Op.values().length];
    private final AtomicLong waitsPending = new AtomicLong();
    private final LongAdder waitsTimedOut = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private final LongAdder committedMutations = new LongAdder();
    private final LongAdder commitFailures = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();
    private final LongAccumulator largestBatch = new LongAccumulator(Math::max, 0);
    private final AtomicLong queued = new AtomicLong();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final AtomicLong bytesInMemory = new AtomicLong();

    EngineStatistics(String backend) {
        this.backend = backend;
        for (int i = 0; i < operations.length; i++) {
            operations[i] = new Counters();
        }
    }

    /** Runs {@code call} and counts it as {@code op}, when its future completes. */
    <T> CompletableFuture<T> time(Op op, Supplier<CompletableFuture<T>> call) {
        long started = System.nanoTime();
        if (op.isWait) {
            waitsPending.incrementAndGet();
        }
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException | Error e) {
            done(op, started, e);
            throw e;
        }
        if (future.isDone()) {
            done(op, started, future);
        } else {
            future.whenComplete((result, failure) -> done(op, started, failure));
        }
        return future;
    }

    /** Runs {@code call}, a read answered from memory, and counts it as {@code op}. */
    <T> T read(Op op, Supplier<T> call) {
        long started = System.nanoTime();
        try {
            T result = call.get();
            done(op, started, (Throwable) null);
            return result;
        } catch (RuntimeException | Error e) {
            done(op, started, e);
            throw e;
        }
    }

    private void done(Op op, long started, CompletableFuture<?> future) {
        Throwable failure = null;
        if (future.isCompletedExceptionally()) {
            try {
                future.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                failure = e;
            }
        }
        done(op, started, failure);
    }

    private void done(Op op, long started, Throwable failure) {
        long nanos = System.nanoTime() - started;
        Counters counters = operations[op.ordinal()];
        if (op.isWait) {
            waitsPending.decrementAndGet();
        }
        if (failure == null) {
            counters.succeeded.increment();
            counters.succeededNanos.add(nanos);
            return;
        }
        counters.failed.increment();
        counters.failedNanos.add(nanos);
        String kind = kind(failure);
        counters.failures.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (op.isWait && kind.equals("TIMEOUT")) {
            waitsTimedOut.increment();
        }
    }

    private static String kind(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof DatastoreException
                ? ((DatastoreException) cause).code().name()
                : cause.getClass().getSimpleName();
    }

    /** A commit of {@code mutations} changes took {@code nanos}, and committed or {@code failed}. */
    void commit(int mutations, long nanos, boolean failed) {
        commitNanos.add(nanos);
        if (failed) {
            commitFailures.increment();
            return;
        }
        commits.increment();
        committedMutations.add(mutations);
        largestBatch.accumulate(mutations);
    }

    /** {@code delta} changes were accepted (positive) or left the queue, committed or failed (negative). */
    void queued(long delta) {
        queued.addAndGet(delta);
    }

    /** A shared write lost to another process's commit. */
    void conflict() {
        conflicts.increment();
    }

    /** A shared write sent again after a conflict. */
    void retry() {
        retries.increment();
    }

    /** The JSON held in memory grew (or, negative, shrank) by {@code delta} bytes. */
    void bytesInMemory(long delta) {
        bytesInMemory.addAndGet(delta);
    }

    StorageStatistics snapshot(long quarantined) {
        List<StorageStatistics.OperationStatistics> list = new ArrayList<>(operations.length);
        for (Op op : Op.values()) {
            Counters counters = operations[op.ordinal()];
            Map<String, Long> failures = new TreeMap<>();
            counters.failures.forEach((kind, count) -> failures.put(kind, count.sum()));
            list.add(new StorageStatistics.OperationStatistics(
                    op.api,
                    counters.succeeded.sum(),
                    counters.succeededNanos.sum(),
                    counters.failed.sum(),
                    counters.failedNanos.sum(),
                    failures));
        }
        return new StorageStatistics(
                backend,
                list,
                new StorageStatistics.WaitStatistics(Math.max(0, waitsPending.get()), waitsTimedOut.sum()),
                new StorageStatistics.CommitStatistics(
                        commits.sum(),
                        committedMutations.sum(),
                        commitFailures.sum(),
                        commitNanos.sum(),
                        largestBatch.get(),
                        Math.max(0, queued.get())),
                conflicts.sum(),
                retries.sum(),
                quarantined,
                Math.max(0, bytesInMemory.get()));
    }
}
