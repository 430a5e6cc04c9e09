package io.github.datastore4j.engine;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one road to the backend's {@link Backend#write}. Submitted batches queue up; a single commit thread takes
 * everything queued, merges it into one backend batch (the last change of a key wins) and commits it, so concurrent
 * writers share commits: group commit. Futures complete, in submission order, when their batch committed.
 *
 * <p><b>Concurrency contract.</b> {@link #submit} may be called from any thread; batches are committed in the order
 * submitted, so two submissions for one key reach the backend in order. The thread starts on first use and stops on
 * {@link #close()}, which first commits everything already submitted.
 */
final class CommitPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommitPipeline.class);
    private static final int MAX_MUTATIONS_PER_COMMIT = 16_384;

    private final Backend backend;
    private final String storageUri;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private Thread thread;
    private boolean closed;

    private record Pending(List<Mutation> mutations, CompletableFuture<Void> done) {}

    private static final Pending STOP = new Pending(List.of(), new CompletableFuture<>());

    CommitPipeline(Backend backend, String storageUri) {
        this.backend = backend;
        this.storageUri = storageUri;
    }

    /** Queues {@code mutations}; the future completes once the backend committed them, or fails with the cause. */
    CompletableFuture<Void> submit(List<Mutation> mutations) {
        Pending pending = new Pending(mutations, new CompletableFuture<>());
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("commit pipeline of " + storageUri + " is closed");
            }
            if (thread == null) {
                thread = new Thread(this::run, "datastore4j-commit " + storageUri);
                thread.setDaemon(true);
                thread.start();
            }
            queue.add(pending);
        }
        return pending.done;
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        for (; ; ) {
            try {
                Pending first = queue.take();
                if (first == STOP) {
                    return;
                }
                group.add(first);
                int mutations = first.mutations.size();
                Pending next;
                boolean stop = false;
                while (mutations < MAX_MUTATIONS_PER_COMMIT && (next = queue.poll()) != null) {
                    if (next == STOP) {
                        stop = true;
                        break;
                    }
                    group.add(next);
                    mutations += next.mutations.size();
                }
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

    private void commit(List<Pending> group) {
        Map<String, Mutation> merged = new LinkedHashMap<>();
        for (Pending pending : group) {
            for (Mutation mutation : pending.mutations) {
                merged.put(mutation.namespace() + '\u0000' + mutation.key(), mutation);
            }
        }
        try {
            if (!merged.isEmpty()) {
                backend.write(new ArrayList<>(merged.values())).join();
            }
            group.forEach(pending -> pending.done.complete(null));
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            BackendException failure = cause instanceof BackendException
                    ? (BackendException) cause
                    : new BackendException(
                            "backend of " + storageUri + " failed to commit " + merged.size() + " changes: " + cause,
                            cause);
            group.forEach(pending -> pending.done.completeExceptionally(failure));
        }
    }

    private static void fail(Iterable<Pending> pendings, Throwable cause) {
        for (Pending pending : pendings) {
            pending.done.completeExceptionally(new BackendException("commit abandoned: " + cause, cause));
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
