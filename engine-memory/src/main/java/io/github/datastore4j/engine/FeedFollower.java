package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one namespace's change feed on a {@link SharedBackend} and hands every change to a sink exactly once, in
 * feed order: how a shared engine learns what other processes wrote.
 *
 * <p>It reads a page whenever the backend's wake-up hint fires, and also every heartbeat, because a hint can be lost
 * (a dropped connection): the heartbeat asks for the feed's {@link SharedBackend#head() head} and reads only if it
 * moved. A hint whose read brings nothing (the change is held behind a transaction with a smaller position, which
 * may end without a change and so without a hint) is followed by quick reads, 1 to 64 ms apart, before the follower
 * falls back to the heartbeat. A failed read is retried from the same position after a jittered backoff that grows to {@code maxBackoff}
 * and resets once a read succeeds, so a reconnect neither misses a change nor repeats one. The position advances
 * past a change only after the sink took it.
 *
 * <p>A follower so far behind that the backend dropped a change it has not read ({@link FeedTrimmedException}:
 * a delete's change, trimmed after a long while) takes a new {@link SharedBackend#snapshot snapshot}, hands it to
 * its restart sink (which brings the cache to it, telling listeners of what differs) and follows on from there.
 *
 * <p><b>Concurrency contract.</b> One thread of its own runs the sink, never concurrently with itself; a sink that
 * throws is logged and the change counts as delivered (the engine's sink does not throw). {@link #position()}, {@link
 * #reached(long)}, {@link #wakeUp()} and {@link #close()} may be called from any thread.
 */
final class FeedFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedFollower.class);
    private static final int PAGE = 1_000;
    /** After a hint that brought nothing, reads again after 1, 2, 4 … up to this many ms before the heartbeat. */
    private static final long MAX_QUICK_MILLIS = 64;

    private final SharedBackend backend;
    private final String namespace;
    /**
     * Positions after the start whose changes the loaded state holds already: not handed to the sink; each is
     * dropped once passed. Follower thread only.
     */
    private final TreeSet<Long> skip;

    private final Consumer<Change> sink;
    private final Consumer<SharedSnapshot> restart;
    private final Duration heartbeat;
    private final Duration maxBackoff;
    private final String name;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signalled = lock.newCondition();
    /** Callers of {@link #reached}, by the position they wait for. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting = new ConcurrentSkipListMap<>();

    private volatile long position;
    /** A hint came since the thread last looked; guarded by {@link #lock}. */
    private boolean hinted;
    /** Written under {@link #lock} (so waits see it), read anywhere. */
    private volatile boolean closed;

    private AutoCloseable hint;

    /**
     * @param position where to start: the {@link io.github.datastore4j.api.spi.SharedSnapshot#position() position}
     *     of the snapshot the namespace was loaded from
     * @param skip the snapshot's {@link io.github.datastore4j.api.spi.SharedSnapshot#included() included} positions
     * @param sink takes each change, on the follower's thread
     * @param restart takes a new snapshot when the feed no longer holds every change after the position, on the
     *     follower's thread; the follower then goes on from the snapshot's position
     */
    FeedFollower(
            SharedBackend backend,
            String namespace,
            long position,
            Set<Long> skip,
            Duration heartbeat,
            Duration maxBackoff,
            String name,
            Consumer<Change> sink,
            Consumer<SharedSnapshot> restart) {
        this.backend = requireNonNull(backend, "backend");
        this.namespace = requireNonNull(namespace, "namespace");
        this.position = position;
        this.skip = new TreeSet<>(skip);
        this.heartbeat = requireNonNull(heartbeat, "heartbeat");
        this.maxBackoff = requireNonNull(maxBackoff, "maxBackoff");
        this.name = requireNonNull(name, "name");
        this.sink = requireNonNull(sink, "sink");
        this.restart = requireNonNull(restart, "restart");
        this.thread = new Thread(this::run, "datastore4j-feed " + name);
        thread.setDaemon(true);
    }

    /** Starts following; the backend's hint is registered first, so no change after the start is only heard late. */
    void start() {
        hint = backend.onChanges(this::wakeUp);
        thread.start();
    }

    /** The position of the last change handed to the sink, or the start. */
    long position() {
        return position;
    }

    /**
     * Completes once every change up to {@code target} was handed to the sink: a process reads its own writes, and a
     * "latest" read waits for the head it just read. Fails if the follower closes first, or has closed.
     */
    CompletableFuture<Void> reached(long target) {
        if (position >= target) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = waiting.computeIfAbsent(target, t -> new CompletableFuture<>());
        if (position >= target) {
            // the thread passed target while the future went into the map: its sweep may have missed the future,
            // or taken it out of the map without completing it; complete it here (completing twice is harmless)
            waiting.remove(target, done);
            done.complete(null);
        } else if (closed) { // close() may have swept the map before the future went in
            waiting.remove(target, done);
            done.completeExceptionally(closedFailure());
        }
        wakeUp();
        return done;
    }

    /** Makes the thread read now rather than at its next heartbeat. */
    void wakeUp() {
        lock.lock();
        try {
            hinted = true;
            signalled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long backoffMillis = 0;
        long quickMillis = 0;
        boolean readNow = true;
        while (!isClosed()) {
            try {
                boolean hinted = readNow;
                long before = position;
                if (readNow || backend.head().get(heartbeat.toMillis() * 4 + 1_000, TimeUnit.MILLISECONDS) > position) {
                    drain();
                }
                if (backoffMillis > 0) {
                    LOG.info("{}: change feed readable again at position {}", name, position);
                }
                backoffMillis = 0;
                if (hinted && position == before && quickMillis < MAX_QUICK_MILLIS) {
                    // a hint, yet nothing to read: the change is committed but held behind a transaction that took
                    // a smaller position and may end without a change (a conflict), so without a hint of its own;
                    // read again soon rather than at the heartbeat
                    quickMillis = quickMillis == 0 ? 1 : quickMillis * 2;
                    awaitSignal(TimeUnit.MILLISECONDS.toNanos(quickMillis));
                    readNow = true;
                } else {
                    quickMillis = 0;
                    readNow = awaitSignal(heartbeat.toNanos());
                }
            } catch (InterruptedException e) {
                if (isClosed()) {
                    return;
                }
            } catch (Exception e) {
                if (isClosed()) {
                    return;
                }
                backoffMillis = backoffMillis == 0 ? 50 : Math.min(backoffMillis * 2, maxBackoff.toMillis());
                long sleep = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
                LOG.warn(
                        "{}: cannot read the change feed after position {}; retrying in {} ms: {}",
                        name,
                        position,
                        sleep,
                        rootMessage(e));
                try {
                    awaitClose(sleep);
                } catch (InterruptedException interrupted) {
                    return;
                }
                readNow = true;
            }
        }
    }

    /** Reads pages until the feed is exhausted. */
    private void drain() throws Exception {
        while (!isClosed()) {
            ChangePage page;
            try {
                page = backend.changesAfter(namespace, position, PAGE).get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof FeedTrimmedException)) {
                    throw e;
                }
                restart((FeedTrimmedException) e.getCause());
                continue;
            }
            for (Change change : page.changes()) {
                try {
                    if (!skip.contains(change.position())) {
                        sink.accept(change);
                    }
                } catch (RuntimeException e) {
                    LOG.error(
                            "{}: applying change {} of {}/{} failed",
                            name,
                            change.position(),
                            change.namespace(),
                            change.key(),
                            e);
                }
                position = change.position();
            }
            if (page.next() > position) {
                position = page.next();
            }
            skip.headSet(position, true).clear(); // passed: never asked for again
            complete(position);
            if (page.changes().size() < PAGE) {
                return;
            }
        }
    }

    /** Starts again from a new snapshot: the feed dropped a change after {@link #position}. */
    private void restart(FeedTrimmedException trimmed) throws Exception {
        SharedSnapshot snapshot = backend.snapshot(namespace).get();
        LOG.warn(
                "{}: the change feed no longer holds every change after position {} ({}); reloading from a snapshot"
                        + " at position {}",
                name,
                position,
                trimmed.getMessage(),
                snapshot.position());
        restart.accept(snapshot);
        skip.clear();
        skip.addAll(snapshot.included());
        if (snapshot.position() > position) {
            position = snapshot.position();
        }
        skip.headSet(position, true).clear();
        complete(position);
    }

    /** Completes every caller waiting for a position up to {@code upTo}; each future leaves the map as it completes. */
    private void complete(long upTo) {
        for (Map.Entry<Long, CompletableFuture<Void>> first = waiting.firstEntry();
                first != null && first.getKey() <= upTo;
                first = waiting.firstEntry()) {
            waiting.remove(first.getKey(), first.getValue());
            first.getValue().complete(null);
        }
    }

    /** Waits for a hint or the heartbeat; whether a hint came (read at once) rather than the heartbeat (ask first). */
    private boolean awaitSignal(long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (!hinted && !closed && nanos > 0) {
                nanos = signalled.awaitNanos(nanos);
            }
            boolean wasHinted = hinted;
            hinted = false;
            return wasHinted;
        } finally {
            lock.unlock();
        }
    }

    private void awaitClose(long millis) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (!closed && nanos > 0) {
                nanos = signalled.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        return closed;
    }

    /** Stops the thread and fails callers of {@link #reached} still waiting. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            signalled.signalAll();
        } finally {
            lock.unlock();
        }
        if (hint != null) {
            try {
                hint.close();
            } catch (Exception e) {
                LOG.debug("{}: closing the change hint failed", name, e);
            }
        }
        if (thread.isAlive() && Thread.currentThread() != thread) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        IllegalStateException closedFailure = closedFailure();
        for (Map.Entry<Long, CompletableFuture<Void>> left = waiting.pollFirstEntry();
                left != null;
                left = waiting.pollFirstEntry()) {
            left.getValue().completeExceptionally(closedFailure);
        }
    }

    private IllegalStateException closedFailure() {
        return new IllegalStateException(name + ": change feed follower closed");
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return String.valueOf(cause);
    }
}
