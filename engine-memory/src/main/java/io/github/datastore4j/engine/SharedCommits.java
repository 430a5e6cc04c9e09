package io.github.datastore4j.engine;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group commit of a shared engine: every write is a {@link ConditionalWrite}; one thread takes whatever is
 * queued, at most one write per key, and sends it to {@link SharedBackend#writeConditionally} in one call, so
 * concurrent writers share a round trip and a commit.
 *
 * <p>A failed call is <b>not</b> retried: a conditional write whose commit may have happened (the connection dropped
 * after {@code COMMIT} was sent) cannot be told apart from one that did not, and re-deciding it on the record found
 * would apply an increment twice. Each write of the batch fails with {@code BACKEND} saying so; the caller decides.
 *
 * <p><b>A waiting caller sends its own write.</b> A blocking call ({@link #startedByWaitingCaller}) whose write finds
 * nothing queued and no commit under way sends that write from its own thread, so a lone writer's commit costs no
 * hand-over to the commit thread and back; a write that finds others commits with them, in the next batch. One
 * batch is sent at a time either way.
 *
 * <p><b>Concurrency contract.</b> {@link #submit} may be called from any thread; a key must not have two writes
 * queued at once (the engine holds the key's slot until its write is answered). The thread starts on first use and
 * stops on {@link #close()}, which first sends everything already submitted and waits for a caller's send under way.
 * Futures complete on the thread that sent them: the commit thread, or the waiting caller's.
 */
final class SharedCommits implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedCommits.class);
    private static final int MAX_WRITES_PER_COMMIT = 4_096;

    /** What became of one write. */
    record Answer(long position, Optional<ConditionalResult.Conflict> conflict) {
        boolean committed() {
            return conflict.isEmpty();
        }

        Optional<Record> found() {
            return conflict.flatMap(ConditionalResult.Conflict::found);
        }

        boolean fenced() {
            return conflict.map(ConditionalResult.Conflict::fenced).orElse(false);
        }
    }

    private record Pending(ConditionalWrite write, CompletableFuture<Answer> answer) {}

    private static final Pending STOP = new Pending(null, null);

    /** Per thread: whether it is starting a call it will then block on, so that the call's write may be sent here. */
    private static final ThreadLocal<boolean[]> CALLER_WAITS = ThreadLocal.withInitial(() -> new boolean[1]);

    /** Held while a batch is being sent: by the commit thread from taking it to its answer, or by a waiting caller. */
    private final ReentrantLock sender = new ReentrantLock();

    private final SharedBackend backend;
    private final String uri;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private boolean started;

    private final EngineStatistics statistics;

    SharedCommits(SharedBackend backend, String uri, EngineStatistics statistics) {
        this.statistics = statistics;
        this.backend = backend;
        this.uri = uri;
        this.thread = new Thread(this::run, "datastore4j-shared-commit " + uri);
        thread.setDaemon(true);
    }

    /**
     * Starts a call whose caller then blocks on what it returns: the first write the call submits from this thread
     * may be sent from it, if nothing else is being sent.
     */
    static <T> T startedByWaitingCaller(Supplier<T> start) {
        boolean[] waits = CALLER_WAITS.get();
        waits[0] = true;
        try {
            return start.get();
        } finally {
            waits[0] = false;
        }
    }

    /**
     * Queues {@code write} (or, for a waiting caller with no one else committing, sends it); the future completes once
     * the backend answered it.
     *
     * @throws IllegalStateException if closed
     */
    CompletableFuture<Answer> submit(ConditionalWrite write) {
        boolean[] waits = CALLER_WAITS.get();
        if (waits[0]) {
            waits[0] = false; // one write per blocking call: whatever else the call's thread submits is queued
            if (queue.isEmpty() && sender.tryLock()) {
                try {
                    if (closed) {
                        throw new IllegalStateException("closed");
                    }
                    CompletableFuture<Answer> answer = new CompletableFuture<>();
                    send(List.of(new Pending(write, answer)));
                    return answer;
                } finally {
                    sender.unlock();
                }
            }
        }
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (!started) {
                started = true;
                thread.start();
            }
            queue.add(new Pending(write, answer));
        }
        statistics.queued(1);
        answer.whenComplete((done, failure) -> statistics.queued(-1));
        return answer;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        List<Pending> next = new ArrayList<>();
        for (; ; ) {
            try {
                if (next.isEmpty()) {
                    batch.add(queue.take());
                } else {
                    batch.addAll(next);
                    next.clear();
                }
            } catch (InterruptedException e) {
                continue; // only close() stops the thread, through STOP
            }
            sender.lock(); // at once, so that a waiting caller does not send past the batch
            try {
                queue.drainTo(batch, MAX_WRITES_PER_COMMIT - batch.size());
                if (sendBatch(batch, next)) {
                    return;
                }
            } finally {
                sender.unlock();
            }
        }
    }

    /** Commit thread, holding the sender: sends {@code batch} and empties it; whether the thread stops. */
    private boolean sendBatch(List<Pending> batch, List<Pending> next) {
        boolean stop = batch.remove(STOP);
        // two writes of one key cannot share a batch; the engine never queues them, but a later one waits anyway
        Set<String> keys = new HashSet<>();
        List<Pending> sending = new ArrayList<>(batch.size());
        for (Pending pending : batch) {
            String key = pending.write.mutation().namespace()
                    + '\0'
                    + pending.write.mutation().key();
            (keys.add(key) ? sending : next).add(pending);
        }
        batch.clear();
        if (!sending.isEmpty()) {
            send(sending);
        }
        if (stop && next.isEmpty() && queue.isEmpty()) {
            return true;
        }
        if (stop) {
            queue.add(STOP);
        }
        return false;
    }

    private void send(List<Pending> sending) {
        List<ConditionalWrite> writes = new ArrayList<>(sending.size());
        sending.forEach(pending -> writes.add(pending.write));
        long started = System.nanoTime();
        ConditionalResult result;
        Optional<ConditionalResult.Conflict>[] conflicts;
        try {
            result = backend.writeConditionallyHere(writes);
            conflicts = conflicts(result, sending.size());
            statistics.commit(writes.size() - result.conflicts().size(), System.nanoTime() - started, false);
        } catch (Exception e) {
            statistics.commit(writes.size(), System.nanoTime() - started, true);
            Throwable cause = (e instanceof java.util.concurrent.CompletionException
                                    || e instanceof java.util.concurrent.ExecutionException)
                            && e.getCause() != null
                    ? e.getCause()
                    : e;
            DatastoreException failure = cause instanceof DatastoreException
                    ? (DatastoreException) cause
                    : new BackendException(
                            "backend of " + uri + " failed a commit of " + writes.size()
                                    + " writes, which may or may not have taken effect (they are not retried, so"
                                    + " that nothing is applied twice): " + cause,
                            cause);
            sending.forEach(pending -> pending.answer.completeExceptionally(failure));
            LOG.warn("commit of {} conditional writes to {} failed: {}", writes.size(), uri, cause.toString());
            return;
        }
        for (int i = 0; i < sending.size(); i++) {
            long position = i < result.positions().size() ? result.positions().get(i) : 0;
            sending.get(i).answer.complete(new Answer(position, conflicts[i]));
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace(
                    "committed {} conditional writes to {} ({} conflicts) in {} µs",
                    writes.size(),
                    uri,
                    result.conflicts().size(),
                    TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started));
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<ConditionalResult.Conflict>[] conflicts(ConditionalResult result, int size) {
        Optional<ConditionalResult.Conflict>[] byIndex = new Optional[size];
        java.util.Arrays.fill(byIndex, Optional.empty());
        for (ConditionalResult.Conflict conflict : result.conflicts()) {
            if (conflict.index() < 0 || conflict.index() >= size) {
                throw new DatastoreException(
                        ErrorCode.BACKEND,
                        "backend reported a conflict for write " + conflict.index() + " of a batch of " + size);
            }
            byIndex[conflict.index()] = Optional.of(conflict);
        }
        return byIndex;
    }

    /** Sends everything already submitted, then stops the thread. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                awaitCallersSend();
                return;
            }
            queue.add(STOP);
        }
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitCallersSend();
    }

    /** Returns once no waiting caller is sending: one that checked {@code closed} before close set it. */
    private void awaitCallersSend() {
        sender.lock();
        sender.unlock();
    }
}
