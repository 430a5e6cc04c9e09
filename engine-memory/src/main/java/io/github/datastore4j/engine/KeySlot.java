package io.github.datastore4j.engine;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One key's state and its serial executor: operations on the key are queued in arrival order and run one at a time
 * by whichever caller finds the queue idle (it drains ops other callers queued meanwhile). No thread is dedicated or
 * parked: an async caller returns as soon as its op is queued.
 *
 * <p>A slot is kept while it has waiters or uncommitted changes, so that a failed commit can still undo its change
 * here.
 *
 * <p><b>Concurrency contract.</b> {@link #current} is volatile and may be read by any thread at any time; it is
 * written, and {@link #waiters} is touched, only by the thread draining the slot. A slot whose key is absent and has
 * no waiters retires itself at the end of a drain (so deleted keys do not leak); a submitter that meets a retired
 * slot gets {@code false} from {@link #trySubmit} and must look the key up again. An op may {@linkplain #holdUntil
 * hold} the slot across an asynchronous step (a shared backend's commit): the drain stops without blocking a thread
 * and resumes, with the op's continuation first, where the step completes; the slot is still run by one thread at a
 * time, and the hand-over happens-before the continuation (through the future).
 */
final class KeySlot {
    private static final int RETIRED = Integer.MIN_VALUE;
    private static final ThreadLocal<KeySlot> DRAINING = new ThreadLocal<>();

    final String key;
    private final AtomicInteger pending = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final Consumer<KeySlot> onRetire;

    /** The key's value, or null while the key does not exist. */
    volatile StoredValue current;

    /**
     * What the backend holds for the key as far as {@code sync} commits go: the value loaded, then the value of each
     * change the commit thread accepted. Written by the commit thread (and by load).
     */
    volatile StoredValue committed;

    /** {@code sync} changes handed to the commit pipeline and not yet committed or refused. */
    final AtomicInteger uncommitted = new AtomicInteger();

    /**
     * Shared mode: the feed position of {@link #current} — of the change this process committed or the feed delivered
     * last, or of the snapshot it was loaded from. A feed change at or before it is older, and skipped. Drain thread
     * only.
     */
    long position;

    /** Set by the running op through {@link #holdUntil}; drain thread only. */
    private CompletableFuture<?> hold;

    private Runnable afterHold;
    private Executor resumeOn;

    /** Waiters registered on this key; drain thread only. */
    private List<Waiter<?>> waiters;

    /** Whether an absent key's slot may go; shared mode keeps it while the feed may still bring an older change. */
    private final Predicate<KeySlot> retirable;

    KeySlot(String key, Consumer<KeySlot> onRetire) {
        this(key, onRetire, slot -> true);
    }

    KeySlot(String key, Consumer<KeySlot> onRetire, Predicate<KeySlot> retirable) {
        this.key = key;
        this.onRetire = onRetire;
        this.retirable = retirable;
    }

    /** Whether the calling thread is running an operation of some slot (inside an update function or predicate). */
    static boolean insideOperation() {
        return DRAINING.get() != null;
    }

    /**
     * Queues {@code op} and, if no one is draining, drains. {@code op} must not throw. Returns false, without
     * queueing, if the slot retired.
     */
    boolean trySubmit(Runnable op) {
        int before;
        do {
            before = pending.get();
            if (before == RETIRED) {
                return false;
            }
        } while (!pending.compareAndSet(before, before + 1));
        queue.add(op);
        if (before == 0) {
            drain();
        }
        return true;
    }

    /**
     * Drain thread only, from inside an op: once the op returns, the slot runs nothing else until {@code until}
     * completes; then {@code then} runs as the rest of the op, inside the slot, on {@code executor} (or on this thread
     * if {@code until} is complete by the time the op returns), and the slot goes on draining there. Ops queued meanwhile wait their turn; a submitter never blocks. {@code then} may hold
     * again.
     */
    void holdUntil(CompletableFuture<?> until, Runnable then, Executor executor) {
        if (hold != null) {
            throw new IllegalStateException("the slot of key '" + key + "' is already held");
        }
        hold = until;
        afterHold = then;
        resumeOn = executor;
    }

    private void drain() {
        KeySlot outer = DRAINING.get();
        DRAINING.set(this);
        try {
            for (; ; ) {
                Runnable op;
                while ((op = queue.poll()) == null) {
                    Thread.onSpinWait(); // a submitter counted its op and is about to add it
                }
                if (!runHeld(op) || finished()) {
                    return;
                }
            }
        } finally {
            DRAINING.set(outer);
        }
    }

    /**
     * Runs {@code op}; false if it left the slot held, to be resumed when its hold completes. A hold already complete
     * when the op returns (a commit sent from this thread) goes on here, without a hand-over.
     */
    private boolean runHeld(Runnable op) {
        op.run();
        while (hold != null) {
            CompletableFuture<?> until = hold;
            Runnable then = afterHold;
            Executor executor = resumeOn;
            hold = null;
            afterHold = null;
            resumeOn = null;
            if (!until.isDone()) {
                until.whenCompleteAsync((result, failure) -> resume(then), executor);
                return false;
            }
            then.run();
        }
        return true;
    }

    /** The rest of a held op, and then the rest of the queue, on the resuming thread. */
    private void resume(Runnable then) {
        KeySlot outer = DRAINING.get();
        DRAINING.set(this);
        try {
            if (!runHeld(then) || finished()) {
                return;
            }
        } finally {
            DRAINING.set(outer);
        }
        drain();
    }

    /** After an op: retires the slot or counts the op done; whether the drain ends here. */
    private boolean finished() {
        if (current == null
                && uncommitted.get() == 0
                && !hasWaiters()
                && retirable.test(this)
                && pending.compareAndSet(1, RETIRED)) {
            onRetire.accept(this);
            return true;
        }
        return pending.decrementAndGet() == 0;
    }

    private boolean hasWaiters() {
        if (waiters == null) {
            return false;
        }
        waiters.removeIf(Waiter::isDone);
        return !waiters.isEmpty();
    }

    /** Drain thread only: registers {@code waiter} unless the current state already satisfies it. */
    void register(Waiter<?> waiter) {
        if (waiter.offer(current, false)) {
            return;
        }
        if (waiters == null) {
            waiters = new ArrayList<>(2);
        }
        waiters.removeIf(Waiter::isDone);
        waiters.add(waiter);
    }

    /** Drain thread only: tells every waiter about the change to {@link #current}. */
    void notifyWaiters() {
        if (waiters == null || waiters.isEmpty()) {
            return;
        }
        StoredValue now = current;
        for (Iterator<Waiter<?>> it = waiters.iterator(); it.hasNext(); ) {
            Waiter<?> waiter = it.next();
            if (waiter.isDone() || waiter.offer(now, true)) {
                it.remove();
            }
        }
    }
}
