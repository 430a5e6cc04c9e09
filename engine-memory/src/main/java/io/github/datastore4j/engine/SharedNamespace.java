package io.github.datastore4j.engine;

import io.github.datastore4j.api.ChangesPage;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A namespace over a shared backend: how its writes become conditional writes, and how the changes other processes
 * commit reach its cache.
 *
 * <p><b>Writes.</b> An operation decides inside the key's slot on the cached value, as in one process; its change is
 * sent as a {@link ConditionalWrite} expecting the cached revision, and the slot is {@linkplain KeySlot#holdUntil
 * held} (without a blocked thread) until the backend answers. Committed: the change becomes current at once, at its
 * feed position, and the caller's future completes — the process reads its own writes. Conflict (another process
 * wrote the key): the operation is decided again on the record the backend found, up to {@link #MAX_ATTEMPTS} times;
 * from the second retry on after a pause drawn at random up to a bound that doubles with each attempt, from 1 ms to
 * {@link #MAX_PAUSE_MILLIS} (full jitter, so that a process that keeps losing the race to faster ones gets its turn;
 * the bound on a hot key shared by many processes is then tens of seconds, not a fixed count of quick losses); an
 * operation whose decision fails on a cached value (a {@code put}
 * whose revision the cache has not seen yet, a {@code NOT_FOUND}) is decided again once on the backend's record
 * before the failure is believed. A write whose commit failed is not retried: its outcome is unknown.
 *
 * <p><b>The feed.</b> A {@link FeedFollower} reads the namespace's change feed from the position of the snapshot it
 * was loaded from; each change is applied inside its key's slot unless the slot already holds a change at or after
 * its position (this process's own write, applied when committed). So a key's value only moves forward, waiters and
 * listeners see every process's changes in per-key order, and a key's slot is kept while the feed may still bring
 * an older change of it.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: slot work runs inside the key's slot; the follower has a thread of
 * its own.
 */
final class SharedNamespace implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedNamespace.class);
    /** How often an operation is decided again on what another process wrote before it gives up. */
    static final int MAX_ATTEMPTS = 1_000;

    /** The longest pause between two attempts of one operation. */
    static final long MAX_PAUSE_MILLIS = 64;

    private final Namespace ns;
    private final SharedStore store;
    private final String name;
    private final FeedFollower follower;

    SharedNamespace(Namespace ns, SharedStore store, String name, long position, Set<Long> included) {
        this.ns = ns;
        this.store = store;
        this.name = name;
        this.follower = store.follower(name, position, included, this::apply, this::restart);
    }

    void start() {
        follower.start();
    }

    /** Whether an absent key's slot may retire: not while the feed may still bring an older change of it. */
    boolean retirable(KeySlot slot) {
        return slot.position <= follower.position();
    }

    /**
     * Completes once the follower has handed every change committed anywhere before the call to its key's slot (a
     * slot not busy with an operation applies it at once; a busy one right after that operation).
     */
    CompletableFuture<Void> catchUp() {
        return store.backend().head().thenCompose(follower::reached);
    }

    /**
     * The key's document once the cache holds every change committed anywhere before the call: the feed's head is
     * read, the follower reaches it, and a read queued in the key's slot after the changes it handed there returns.
     */
    CompletableFuture<Optional<StoredValue>> latest(String key) {
        return store.backend().head().thenCompose(follower::reached).thenCompose(ignored -> {
            CompletableFuture<Optional<StoredValue>> read = new CompletableFuture<>();
            ns.runInSlot(key, slot -> read.complete(Optional.ofNullable(slot.current)));
            return read;
        });
    }

    /** A page of the namespace's feed for an application, its records read as documents. */
    CompletableFuture<ChangesPage> changes(long since, int limit) {
        return store.backend().changesAfter(name, since, limit).handle((page, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                if (cause instanceof FeedTrimmedException) {
                    throw new DatastoreException(
                            ErrorCode.TRIMMED,
                            "the change feed of namespace '" + name + "' no longer holds every change after " + since
                                    + " (a delete after it was dropped; it can be read from "
                                    + ((FeedTrimmedException) cause).keptFrom() + " on): read it again from 0, which"
                                    + " holds every key's latest change",
                            cause);
                }
                throw store.failure("read the change feed of namespace '" + name + "' after " + since, failure);
            }
            List<ChangesPage.Change> changes = new ArrayList<>(page.changes().size());
            for (Change change : page.changes()) {
                changes.add(new ChangesPage.Change(
                        change.position(), change.key(), change.record().map(record -> ns.withMetadataDefaults(
                                        store.value(name, record))
                                .document())));
            }
            return new ChangesPage(changes, page.next());
        });
    }

    /** Inside the key's slot: decides and writes conditionally; completes {@code result} when answered. */
    <R> void mutate(KeySlot slot, long token, Function<StoredValue, Outcome<R>> decide, CompletableFuture<R> result) {
        attempt(slot, token, decide, result, slot.current, false, 1);
    }

    private <R> void attempt(
            KeySlot slot,
            long token,
            Function<StoredValue, Outcome<R>> decide,
            CompletableFuture<R> result,
            StoredValue base,
            boolean fromBackend,
            int attempt) {
        Outcome<R> outcome;
        try {
            outcome = decide.apply(base);
        } catch (DatastoreException e) {
            if (fromBackend) {
                result.completeExceptionally(e);
            } else { // decided on the cache, which may be behind: believe it only on the backend's record
                CompletableFuture<Optional<StoredValue>> read = store.read(name, slot.key);
                slot.holdUntil(
                        read,
                        () -> {
                            StoredValue found;
                            try {
                                found = read.join().orElse(null);
                            } catch (CompletionException failure) {
                                e.addSuppressed(failure.getCause());
                                result.completeExceptionally(e);
                                return;
                            }
                            attempt(slot, token, decide, result, found, true, attempt);
                        },
                        store.executor());
            }
            return;
        } catch (Throwable t) {
            result.completeExceptionally(t);
            return;
        }
        if (!outcome.changes) {
            result.complete(outcome.result);
            return;
        }
        StoredValue after = outcome.after;
        Mutation mutation = after == null ? Mutation.delete(name, slot.key) : Mutation.put(name, after.toRecord(name));
        long expected = base == null ? ConditionalWrite.ABSENT : base.document().rev();
        CompletableFuture<SharedCommits.Answer> answer;
        try {
            answer = store.submit(new ConditionalWrite(mutation, expected, token)); // a session's token is its fence
        } catch (DatastoreException e) {
            result.completeExceptionally(e);
            return;
        }
        slot.holdUntil(answer, () -> answered(slot, token, decide, result, outcome, answer, attempt), store.executor());
    }

    /** Inside the slot again, once the backend answered. */
    private <R> void answered(
            KeySlot slot,
            long token,
            Function<StoredValue, Outcome<R>> decide,
            CompletableFuture<R> result,
            Outcome<R> outcome,
            CompletableFuture<SharedCommits.Answer> answer,
            int attempt) {
        SharedCommits.Answer answered;
        try {
            answered = answer.join();
        } catch (CompletionException e) {
            result.completeExceptionally(e.getCause());
            return;
        }
        if (answered.committed()) {
            if (answered.position() > slot.position || answered.position() == 0) {
                ns.setCurrent(slot, slot.current, outcome.after);
                slot.position = Math.max(slot.position, answered.position());
            }
            result.complete(outcome.result);
            return;
        }
        if (answered.fenced()) {
            result.completeExceptionally(new LockedException(
                    token == Namespace.NO_SESSION
                            ? "key '" + slot.key + "' in namespace '" + name + "' is held by a session (of this or"
                                    + " another process); write through its session or wait for release; the write"
                                    + " was not applied"
                            : "session " + token + " of key '" + slot.key + "' in namespace '" + name + "' no longer"
                                    + " holds it: its lease ran out and another session took the key over; the write"
                                    + " was not applied"));
            return;
        }
        ns.storage().stats().conflict();
        if (attempt >= MAX_ATTEMPTS) {
            result.completeExceptionally(new DatastoreException(
                    ErrorCode.CONFLICT,
                    "key '" + slot.key + "' in namespace '" + name + "' kept changing in other processes: " + attempt
                            + " attempts conflicted; nothing was written"));
            return;
        }
        StoredValue found;
        try {
            found = answered.found().map(record -> store.value(name, record)).orElse(null);
        } catch (DatastoreException e) {
            result.completeExceptionally(e);
            return;
        }
        ns.storage().stats().retry();
        if (attempt < 2) {
            attempt(slot, token, decide, result, found, true, attempt + 1);
            return;
        }
        // contention with other processes: full jitter under a bound that doubles, 1 ms to MAX_PAUSE_MILLIS
        long bound = Math.min(MAX_PAUSE_MILLIS, 1L << Math.min(attempt - 2, 20)) * 1_000_000L;
        CompletableFuture<Void> pause = new CompletableFuture<>();
        store.schedule(() -> pause.complete(null), ThreadLocalRandom.current().nextLong(bound + 1));
        slot.holdUntil(pause, () -> attempt(slot, token, decide, result, found, true, attempt + 1), store.executor());
    }

    /**
     * The follower's sink: one committed change, applied inside its key's slot unless the slot is past it. The record
     * is decoded there, after that check: most changes a busy writer's follower reads are its own, already applied.
     */
    private void apply(Change change) {
        if (ns.isClosed()) {
            return;
        }
        ns.runInSlot(change.key(), slot -> {
            if (change.position() <= slot.position) {
                return; // this process's own write, or older than what the slot holds
            }
            if (sameRecord(slot.current, change.record())) { // a restart's snapshot holds what the slot holds
                slot.position = change.position();
                return;
            }
            StoredValue value;
            try {
                value = change.record().map(record -> store.value(name, record)).orElse(null);
            } catch (DatastoreException e) {
                LOG.error(
                        "change {} of key '{}' in namespace '{}' cannot be read; the cache keeps the older value: {}",
                        change.position(),
                        change.key(),
                        name,
                        e.getMessage());
                return;
            }
            ns.setCurrent(slot, slot.current, ns.withMetadataDefaults(value));
            slot.position = change.position();
        });
    }

    private static boolean sameRecord(StoredValue current, Optional<Record> record) {
        if (current == null || record.isEmpty()) {
            return current == null && record.isEmpty();
        }
        return current.document().rev() == record.get().rev()
                && Arrays.equals(current.json(), record.get().value()); // metadata changes raise the revision
    }

    /**
     * The follower's restart sink: brings every key to {@code snapshot}, inside its slot, unless the slot holds a
     * change at or after the snapshot's position (this process's own write). A key whose revision and checksum are
     * the snapshot's only moves its position, so listeners hear only of what differs; a cached key the snapshot does
     * not hold was deleted.
     */
    private void restart(SharedSnapshot snapshot) {
        long at = snapshot.position();
        Set<String> live = new HashSet<>();
        for (Record record : snapshot.records()) {
            live.add(record.key());
            apply(new Change(at, name, record.key(), Optional.of(record)));
        }
        for (String key : List.copyOf(ns.keys())) {
            if (!live.contains(key)) {
                apply(new Change(at, name, key, Optional.empty()));
            }
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
