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
 * <p><b>Concurrency contract.</b> {@link #submit} may be called from any thread; a key must not have two writes
 * queued at once (the engine holds the key's slot until its write is answered). The thread starts on first use and
 * stops on {@link #close()}, which first sends everything already submitted. Futures complete on that thread.
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
     * Queues {@code write}; the future completes once the backend answered it.
     *
     * @throws IllegalStateException if closed
     */
    CompletableFuture<Answer> submit(ConditionalWrite write) {
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
                queue.drainTo(batch, MAX_WRITES_PER_COMMIT - batch.size());
            } catch (InterruptedException e) {
                continue; // only close() stops the thread, through STOP
            }
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
                return;
            }
            if (stop) {
                queue.add(STOP);
            }
        }
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
                return;
            }
            queue.add(STOP);
        }
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
