package io.github.datastore4j.engine;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import java.util.ArrayList;
import java.util.HashMap;
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

    /** A batch to commit: either saved mutations, or one sync {@link Change}. */
    private record Pending(List<Mutation> mutations, Change change, CompletableFuture<Void> done) {}

    private static final Pending STOP = new Pending(List.of(), null, new CompletableFuture<>());

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
        this.backend = backend;
        this.storageUri = storageUri;
    }

    /** Queues {@code mutations}; the future completes once the backend committed them, or fails with the cause. */
    CompletableFuture<Void> submit(List<Mutation> mutations) {
        return enqueue(new Pending(mutations, null, new CompletableFuture<>()));
    }

    /**
     * Queues a sync change. It commits only if it follows what the backend holds for its key; if it does not (an
     * earlier change of the key failed) or its commit fails, the future fails and the change is undone in memory.
     */
    CompletableFuture<Void> submit(Change change) {
        change.slot().uncommitted.incrementAndGet();
        return enqueue(new Pending(List.of(change.mutation()), change, new CompletableFuture<>()));
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
                backend.write(new ArrayList<>(merged.values())).join();
            }
            for (Pending pending : accepted) {
                if (pending.change != null) {
                    settled(pending.change);
                }
                pending.done.complete(null);
            }
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            BackendException failure = cause instanceof BackendException
                    ? (BackendException) cause
                    : new BackendException(
                            "backend of " + storageUri + " failed to commit " + merged.size() + " changes: " + cause,
                            cause);
            committedBefore.forEach((slot, value) -> slot.committed = value);
            for (Pending pending : accepted) {
                refuse(pending, failure);
            }
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
