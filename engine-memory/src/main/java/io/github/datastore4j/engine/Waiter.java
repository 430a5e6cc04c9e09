package io.github.datastore4j.engine;

import java.util.concurrent.CompletableFuture;

/**
 * A caller waiting for a key to reach some state. Its future is completed by the drain thread of the key's slot (on
 * registration if the state already holds, else on the change that makes it hold), by the timer on timeout, or by
 * the storage on close; whichever comes first wins.
 */
abstract class Waiter<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    /**
     * Offers the key's state; returns true once the waiter is done.
     *
     * @param value the value, or null if the key does not exist
     * @param changed false for the state at registration, true for a change after it
     */
    final boolean offer(StoredValue value, boolean changed) {
        if (future.isDone()) {
            return true;
        }
        try {
            return accept(value, changed);
        } catch (RuntimeException | Error e) {
            future.completeExceptionally(e); // the predicate threw: the waiter fails, the change does not
            return true;
        }
    }

    /** Completes {@link #future} and returns true if the state satisfies this waiter. */
    abstract boolean accept(StoredValue value, boolean changed);

    final boolean isDone() {
        return future.isDone();
    }
}
