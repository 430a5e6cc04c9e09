package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.spi.Names;
import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The sessions of a {@link Namespace}: leases of keys with fencing tokens, on {@link System#nanoTime()}'s clock, and
 * the writes, renewals and releases of their holders. On a shared store the leases are the backend's, through {@link
 * SharedSessions}.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. A key's lease is granted, checked, renewed and freed only inside the
 * key's slot, so it is ordered with every write of the key; acquirers waiting for a key retry through the slot when
 * it is freed or its lease ends.
 */
final class Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);
    private final Namespace ns;
    private final EngineStorage storage;
    private final String name;
    private final JsonCodec codec;
    /** Session grants by key; changed only inside the key's slot. */
    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    /** Acquire attempts waiting for a key; run again when it is freed or its lease ends. */
    private final ConcurrentHashMap<String, Queue<Runnable>> leaseWaiters = new ConcurrentHashMap<>();

    private final AtomicLong leaseTokens = new AtomicLong();
    /** Acquires that may wait, failed with {@code CLOSED} when the storage closes. */
    private final Set<CompletableFuture<Session>> waitingAcquires = ConcurrentHashMap.newKeySet();
    /** Open sessions, for the auto-save. */
    private final Set<EngineSession> sessions = ConcurrentHashMap.newKeySet();

    /** The leases of a shared store, or null: then leases are this process's own. */
    private SharedSessions shared;

    Sessions(Namespace ns, EngineStorage storage, String name, JsonCodec codec) {
        this.ns = ns;
        this.storage = storage;
        this.name = name;
        this.codec = codec;
    }

    /** Shared mode: see {@link SharedSessions#checkNotHeldHere}. */
    void checkNotHeldHere(String key, long token) {
        shared.checkNotHeldHere(key, token);
    }

    /** Shared mode: sessions lease keys at the backend. Called once, while the namespace is built. */
    void shareWith(SharedSessions leases) {
        this.shared = leases;
    }

    /** A grant of a key: its fencing token and when it ends, on {@link System#nanoTime()}'s scale. */
    private record Lease(long token, long endsAt) {
        boolean live(long now) {
            return now - endsAt < 0;
        }
    }

    /** Longest lease, ~73 years: a deadline on {@link System#nanoTime()}'s scale must not wrap around. */
    private static final long MAX_LEASE_NANOS = Long.MAX_VALUE / 4;

    /** {@code lease} in nanoseconds, capped at {@link #MAX_LEASE_NANOS}; refused unless positive. */
    private static long leaseNanos(Duration lease) {
        requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
        try {
            return Math.min(lease.toNanos(), MAX_LEASE_NANOS);
        } catch (ArithmeticException e) {
            return MAX_LEASE_NANOS;
        }
    }

    /** Inside the key's slot: the write of {@code token} may go ahead, or a {@link LockedException} says why not. */
    void checkLease(String key, long token) {
        Lease lease = leases.get(key);
        if (lease == null && token == Namespace.NO_SESSION) {
            return; // every plain write of a key nobody holds: no clock read
        }
        long now = System.nanoTime();
        if (token == Namespace.NO_SESSION) {
            if (lease != null && lease.live(now)) {
                throw new LockedException(held(key, lease, now) + "; write through its session or wait for release");
            }
        } else if (lease == null || lease.token != token || !lease.live(now)) {
            throw new LockedException("session " + token + " of key '" + key + "' in namespace '" + name
                    + "' no longer holds it: "
                    + (lease == null || lease.token == token
                            ? "its lease ran out"
                            : "its lease ran out and session " + lease.token + " took the key over")
                    + "; the write was not applied");
        }
    }

    private String held(String key, Lease lease, long now) {
        return "key '" + key + "' in namespace '" + name + "' is held by session " + lease.token + " for another "
                + Math.max(1, (lease.endsAt - now) / 1_000_000) + " ms";
    }

    CompletableFuture<Session> acquire(String key, Duration lease, Duration wait) {
        Names.requireValidKey(key);
        long leaseNanos = leaseNanos(lease);
        requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("wait must not be negative, was " + wait);
        }
        storage.ensureOpen();
        CompletableFuture<Session> result = new CompletableFuture<>();
        boolean mayWait = !wait.isZero();
        Runnable attempt = new Runnable() {
            @Override
            public void run() {
                ns.runInSlot(key, slot -> {
                    try {
                        tryGrant(slot, key, leaseNanos, result, mayWait, this);
                    } catch (RuntimeException e) { // e.g. the timer refused the retry: the storage is closing
                        result.completeExceptionally(e);
                    }
                });
            }
        };
        if (mayWait) {
            waitingAcquires.add(result);
            result.whenComplete((session, failure) -> waitingAcquires.remove(result));
            if (storage.isClosed()) { // closed meanwhile: failWaiters() may have run before the add
                result.completeExceptionally(new DatastoreException(
                        ErrorCode.CLOSED, "the storage was closed while acquiring key '" + key + "'"));
                return result;
            }
            storage.scheduleTimeout(
                    result,
                    () -> new LockedException("key '" + key + "' in namespace '" + name + "' is still held after "
                            + wait.toMillis() + " ms of waiting"),
                    wait);
        }
        if (shared != null) {
            shared.acquire(key, lease, wait, result, session -> {
                sessions.add((EngineSession) session);
                storage.autosaveSessions();
            });
        } else {
            attempt.run();
        }
        return result;
    }

    /** Inside the key's slot: grants the key if free or its lease ended, else fails or waits for it to be freed. */
    private void tryGrant(
            KeySlot slot,
            String key,
            long leaseNanos,
            CompletableFuture<Session> result,
            boolean mayWait,
            Runnable retry) {
        if (result.isDone()) {
            return; // timed out meanwhile
        }
        long now = System.nanoTime();
        Lease current = leases.get(key);
        if (current == null || !current.live(now)) {
            if (current != null) {
                LOG.info(
                        "lease of session {} on key '{}' in namespace '{}' ran out; the key is taken over",
                        current.token,
                        key,
                        name);
            }
            Lease granted = new Lease(leaseTokens.incrementAndGet(), now + leaseNanos);
            leases.put(key, granted);
            JsonNode working = slot.current != null ? slot.current.document().value() : ns.newValue();
            EngineSession session = new EngineSession(ns, key, granted.token, working);
            sessions.add(session); // before the caller has it: a release right away must find it registered
            if (result.complete(session)) {
                storage.autosaveSessions();
            } else {
                sessions.remove(session);
                leases.remove(key, granted);
            }
            return;
        }
        if (!mayWait) {
            result.completeExceptionally(new LockedException(held(key, current, now)));
            return;
        }
        leaseWaiters.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(retry);
        storage.schedule(retry, current.endsAt - now); // if nobody frees it first
    }

    /** Writes the session's working copy ({@code null}: unchanged) as session {@code token}. */
    CompletableFuture<Document> sessionWrite(String key, long token, JsonNode working) {
        return ns.mutate(key, token, before -> {
            if (working == null || working.isMissingNode()) {
                return Outcome.unchanged(before == null ? null : before.document());
            }
            StoredValue after = ns.next(key, before, working);
            return Outcome.change(after, after.document());
        });
    }

    CompletableFuture<Void> renew(String key, long token, Duration lease) {
        long leaseNanos = leaseNanos(lease);
        if (shared != null) {
            return shared.renew(key, token, lease);
        }
        CompletableFuture<Void> renewed = new CompletableFuture<>();
        ns.runInSlot(key, slot -> {
            try {
                checkLease(key, token);
                leases.put(key, new Lease(token, System.nanoTime() + leaseNanos));
                renewed.complete(null);
            } catch (RuntimeException e) {
                renewed.completeExceptionally(e);
            }
        });
        return renewed;
    }

    /** Frees the session's key, if it still holds it, and lets waiting acquirers try again. */
    void free(EngineSession session) {
        sessions.remove(session);
        if (storage.isClosed()) {
            return;
        }
        if (shared != null) {
            shared.release(session.key(), session.token());
            return;
        }
        ns.runInSlot(session.key(), slot -> {
            Lease lease = leases.get(session.key());
            if (lease != null && lease.token == session.token()) {
                leases.remove(session.key());
            }
            Queue<Runnable> waiting = leaseWaiters.remove(session.key());
            if (waiting != null) {
                waiting.forEach(storage::runSoon); // outside this slot op: each retry queues into the slot again
            }
        });
    }

    JsonNode sessionTree(String key, Object value) {
        return codec.toTree(name, key, value);
    }

    byte[] sessionBytes(String key, JsonNode value) {
        return codec.toBytes(name, key, value);
    }

    /** Fails every acquire still waiting; called on close. */
    void failWaiting(DatastoreException cause) {
        for (CompletableFuture<Session> acquire : waitingAcquires) {
            acquire.completeExceptionally(cause);
        }
    }

    void stopAutosave(EngineSession session) {
        sessions.remove(session);
    }

    void autosaveSessions() {
        for (EngineSession session : sessions) {
            session.autosave();
        }
    }
}
