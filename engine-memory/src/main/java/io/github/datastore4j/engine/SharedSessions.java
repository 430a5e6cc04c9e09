package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.spi.Lease;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Sessions of a namespace on a shared store: the lease is the backend's ({@link
 * io.github.datastore4j.api.spi.SharedBackend#acquireLease}), timed by the backend's clock, and the session's token is
 * the lease's fencing token, which every write of the session carries and the backend checks in the write's own
 * transaction. A holder killed with {@code kill -9} keeps the key only until its lease runs out; whoever takes it over
 * starts from the latest committed value; the old holder's late save, renew or release is refused.
 *
 * <p>An acquire that may wait asks the backend again after a jittered pause (20–200 ms, never past its deadline):
 * the backend does not announce released leases.
 *
 * <p><b>Concurrency contract.</b> Thread-safe; the leases held are kept in a concurrent map.
 */
final class SharedSessions {
    private static final Logger LOG = LoggerFactory.getLogger(SharedSessions.class);
    private static final String HOLDER = ProcessHandle.current().pid() + "@" + hostName();

    private final Namespace ns;
    private final SharedStore store;
    private final EngineStorage storage;
    private final String name;
    /** The leases this process holds, by key and token. */
    private final ConcurrentHashMap<String, Lease> held = new ConcurrentHashMap<>();

    SharedSessions(Namespace ns, SharedStore store, EngineStorage storage, String name) {
        this.ns = ns;
        this.store = store;
        this.storage = storage;
        this.name = name;
    }

    private static String id(String key, long token) {
        return key + '\0' + token;
    }

    /** Acquires the key's lease for {@code lease}, asking again until {@code wait} ends; the session gets granted. */
    void acquire(
            String key, Duration lease, Duration wait, CompletableFuture<Session> result, Consumer<Session> granted) {
        long deadline = System.nanoTime() + Math.min(wait.toNanos(), Long.MAX_VALUE / 4);
        attempt(key, lease, wait, deadline, result, granted);
    }

    private void attempt(
            String key,
            Duration lease,
            Duration wait,
            long deadline,
            CompletableFuture<Session> result,
            Consumer<Session> granted) {
        if (result.isDone()) {
            return;
        }
        store.backend().acquireLease(name, key, HOLDER, lease).whenComplete((got, failure) -> {
            if (failure != null) {
                result.completeExceptionally(backendError("acquire the lease of", key, failure));
                return;
            }
            if (got.isPresent()) {
                grant(key, got.get(), result, granted);
                return;
            }
            long left = deadline - System.nanoTime();
            if (wait.isZero() || left <= 0) {
                result.completeExceptionally(new LockedException("key '" + key + "' in namespace '" + name + "' is "
                        + (wait.isZero() ? "" : "still ") + "held by " + holderOf(key)
                        + (wait.isZero() ? "" : " after " + wait.toMillis() + " ms of waiting")));
                return;
            }
            long pause = Math.min(
                    left,
                    TimeUnit.MILLISECONDS.toNanos(
                            20 + ThreadLocalRandom.current().nextLong(180)));
            try {
                storage.schedule(() -> attempt(key, lease, wait, deadline, result, granted), pause);
            } catch (RuntimeException closing) {
                result.completeExceptionally(closing);
            }
        });
    }

    /** The lease is ours: the session starts from the latest committed value, which the last holder may just have saved. */
    private void grant(String key, Lease lease, CompletableFuture<Session> result, Consumer<Session> granted) {
        held.put(id(key, lease.token()), lease);
        ns.latest(key).whenComplete((latest, failure) -> {
            if (failure != null) {
                release(key, lease.token());
                result.completeExceptionally(backendError("read the latest value of", key, failure));
                return;
            }
            JsonNode working = latest.map(value -> value.document().value()).orElseGet(ns::newValue);
            EngineSession session = new EngineSession(ns, key, lease.token(), working);
            granted.accept(session); // before the caller has it: its release must find it registered
            if (!result.complete(session)) {
                session.close(); // timed out or closed meanwhile: frees the lease
            }
        });
    }

    /** Extends the session's lease; refused if it ran out and another holder took the key. */
    CompletableFuture<Void> renew(String key, long token, Duration lease) {
        Lease current = held.get(id(key, token));
        if (current == null) {
            return CompletableFuture.failedFuture(lost(key, token));
        }
        return store.backend().renewLease(current, lease).handle((renewed, failure) -> {
            if (failure != null) {
                throw backendError("renew the lease of", key, failure);
            }
            if (renewed.isEmpty()) {
                held.remove(id(key, token), current);
                throw lost(key, token);
            }
            held.replace(id(key, token), current, renewed.get());
            return null;
        });
    }

    /** Gives the session's lease back, if this process still holds it; a failure is logged (the lease runs out). */
    void release(String key, long token) {
        Lease lease = held.remove(id(key, token));
        if (lease == null) {
            return;
        }
        store.backend().releaseLease(lease).whenComplete((released, failure) -> {
            if (failure != null) {
                LOG.warn(
                        "releasing session {} of key '{}' in namespace '{}' failed; its lease runs out at {}",
                        token,
                        key,
                        name,
                        lease.expiresAt(),
                        failure);
            } else if (!released) {
                LOG.debug("session {} of key '{}' in namespace '{}' had lost its lease already", token, key, name);
            }
        });
    }

    /**
     * Refuses, before anything is decided, a write outside a session to a key a session of this process holds (the
     * backend would refuse it too, after the operation ran): the same order of checks as on a store of one process.
     */
    void checkNotHeldHere(String key, long token) {
        if (token != Namespace.NO_SESSION) {
            return; // the backend checks the token itself
        }
        Instant now = Instant.now();
        for (Lease lease : held.values()) {
            if (lease.key().equals(key) && lease.expiresAt().isAfter(now)) {
                throw new LockedException("key '" + key + "' in namespace '" + name + "' is held by session "
                        + lease.token() + " of this process; write through its session or wait for release");
            }
        }
    }

    /** Who holds {@code key}, as far as this process knows: its own session by token, or another process's. */
    private String holderOf(String key) {
        for (Lease lease : held.values()) {
            if (lease.key().equals(key)) {
                return "session " + lease.token() + " of this process";
            }
        }
        return "another session (of another process, or one this process lost track of)";
    }

    private LockedException lost(String key, long token) {
        return new LockedException("session " + token + " of key '" + key + "' in namespace '" + name
                + "' no longer holds it: its lease ran out (another process may have taken the key over)");
    }

    private DatastoreException backendError(String what, String key, Throwable failure) {
        return storage.failure(what + " key '" + key + "' in namespace '" + name + "'", failure);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown-host");
        }
    }
}
