package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.WaitTimeoutException;
import io.github.datastore4j.api.spi.EngineDocuments;
import io.github.datastore4j.api.spi.Names;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * The waits of a {@link Namespace}: a {@link Waiter} registers through the key's slot, so it sees every change after
 * the call in order, and is tested again by the slot after each change of the key.
 *
 * <p><b>Concurrency contract.</b> Thread-safe; the set of pending waiters is concurrent, so close can fail them.
 */
final class Waits {
    private final Namespace ns;
    private final EngineStorage storage;
    private final String name;
    private final JsonCodec codec;
    /** Waiters not yet done, so that close can fail them. */
    private final Set<Waiter<?>> waiters = ConcurrentHashMap.newKeySet();

    Waits(Namespace ns, EngineStorage storage, String name, JsonCodec codec) {
        this.ns = ns;
        this.storage = storage;
        this.name = name;
        this.codec = codec;
    }

    CompletableFuture<Optional<Document>> awaitChange(String key, Duration timeout) {
        // The state this call saw. The waiter registers through the key's queue, behind changes queued before this
        // call but not yet applied; such a change is after what the caller could have read, so it counts too.
        StoredValue seen = ns.current(Names.requireValidKey(key));
        return await(key, timeout, "change", new Waiter<>() {
            @Override
            boolean accept(StoredValue value, boolean changed) {
                return (changed || value != seen)
                        && future.complete(Optional.ofNullable(value).map(StoredValue::document));
            }
        });
    }

    CompletableFuture<Document> awaitValue(String key, Object expected, Duration timeout) {
        Names.requireValidKey(key);
        JsonNode expectedTree = codec.toTree(name, key, expected);
        return awaitDocument(
                key,
                timeout,
                "equal " + expectedTree,
                doc -> JsonCodec.jsonEquals(EngineDocuments.value(doc), expectedTree));
    }

    CompletableFuture<Document> awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout) {
        requireNonNull(condition, "condition");
        return awaitDocument(key, timeout, "match the condition", doc -> condition.test(doc.value()));
    }

    CompletableFuture<Document> awaitSize(String key, IntPredicate sizeCondition, Duration timeout) {
        requireNonNull(sizeCondition, "sizeCondition");
        return awaitDocument(
                key,
                timeout,
                "be an array of the wanted size",
                doc -> EngineDocuments.value(doc).isArray()
                        && sizeCondition.test(EngineDocuments.value(doc).size()));
    }

    CompletableFuture<Document> awaitMinSize(String key, int minSize, Duration timeout) {
        if (minSize < 0) {
            throw new IllegalArgumentException("minSize must not be negative, was " + minSize);
        }
        return awaitDocument(
                key,
                timeout,
                "be an array of at least " + minSize + " items",
                doc -> EngineDocuments.value(doc).isArray()
                        && EngineDocuments.value(doc).size() >= minSize);
    }

    private CompletableFuture<Document> awaitDocument(
            String key, Duration timeout, String condition, Predicate<Document> test) {
        return await(key, timeout, condition, new Waiter<>() {
            @Override
            boolean accept(StoredValue value, boolean changed) {
                return value != null && test.test(value.document()) && future.complete(value.document());
            }
        });
    }

    private <T> CompletableFuture<T> await(String key, Duration timeout, String condition, Waiter<T> waiter) {
        Names.requireValidKey(key);
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        storage.ensureOpen();
        waiters.add(waiter);
        waiter.future.whenComplete((result, failure) -> waiters.remove(waiter));
        if (timeout != null) {
            storage.scheduleTimeout(
                    waiter.future, () -> new WaitTimeoutException(name, key, condition, timeout), timeout);
        }
        ns.runInSlot(key, slot -> slot.register(waiter));
        return waiter.future;
    }

    /** Fails every waiter not yet done; called on close. */
    void failWaiters(DatastoreException cause) {
        for (Waiter<?> waiter : waiters) {
            waiter.future.completeExceptionally(cause);
        }
    }
}
