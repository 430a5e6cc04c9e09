package io.github.datastore4j.api;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The non-blocking face of a {@link Datastore}: the same operations, with the same guarantees, returning
 * {@link CompletableFuture}s. A waiting call parks no thread: its future is completed by the change that satisfies
 * it, or by a shared timer on timeout. Errors complete the future exceptionally with the same
 * {@link DatastoreException}s that {@code Datastore} throws; invalid arguments, invalid keys and a closed storage
 * are thrown at once, before anything is queued.
 *
 * <p>Futures may complete on the calling thread, on the thread whose change satisfied a wait, or on the engine's
 * commit thread: do not block inside a dependent stage. Thread-safe.
 */
public interface AsyncDatastore {

    String namespace();

    /** The blocking face of this store. */
    Datastore sync();

    CompletableFuture<Optional<JsonNode>> get(String key);

    <T> CompletableFuture<Optional<T>> get(String key, Class<T> type);

    /** Like {@link Datastore#get(String, TypeReference)}. */
    <T> CompletableFuture<Optional<T>> get(String key, TypeReference<T> type);

    CompletableFuture<Optional<Document>> getDocument(String key);

    /** Like {@link Datastore#getLatest(String)}. */
    CompletableFuture<Optional<Document>> getLatest(String key);

    /** Like {@link Datastore#changes(long, int)}. */
    CompletableFuture<ChangesPage> changes(long since, int limit);

    CompletableFuture<Document> set(String key, Object value);

    /**
     * Like {@link Datastore#setAll(Map)}: checks every entry first (a bad one fails at once, throwing, with nothing
     * written), then completes once every one is committed.
     */
    CompletableFuture<Map<String, Document>> setAll(Map<String, ?> values);

    CompletableFuture<Boolean> setOnce(String key, Object value);

    CompletableFuture<Long> increment(String key, long delta);

    CompletableFuture<Double> increment(String key, double delta);

    CompletableFuture<Integer> push(String key, Object item);

    CompletableFuture<Document> update(String key, UnaryOperator<JsonNode> function);

    CompletableFuture<Optional<ObjectNode>> getMetadata(String key);

    CompletableFuture<Document> updateMetadata(String key, UnaryOperator<ObjectNode> function);

    CompletableFuture<Document> setMetadata(String key, Object metadata);

    <T> CompletableFuture<Document> update(String key, Class<T> type, UnaryOperator<T> function);

    /** Like {@link Datastore#update(String, TypeReference, UnaryOperator)}. */
    <T> CompletableFuture<Document> update(String key, TypeReference<T> type, UnaryOperator<T> function);

    CompletableFuture<Document> put(String key, Object value, long expectedRev);

    CompletableFuture<Boolean> delete(String key);

    CompletableFuture<Integer> clear();

    /** Completes with the next change of {@code key}; {@code timeout} may be null for no limit. */
    CompletableFuture<Optional<Document>> awaitChange(String key, Duration timeout);

    /** Completes when {@code key} equals {@code expected}; {@code timeout} may be null for no limit. */
    CompletableFuture<Document> awaitValue(String key, Object expected, Duration timeout);

    /** Completes when {@code key} matches {@code condition}; {@code timeout} may be null for no limit. */
    CompletableFuture<Document> awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout);

    /** Completes when {@code key} is an array whose size matches; {@code timeout} may be null for no limit. */
    CompletableFuture<Document> awaitSize(String key, IntPredicate sizeCondition, Duration timeout);

    CompletableFuture<Page> queryKeys(KeyQuery query);

    CompletableFuture<SortedMap<String, Document>> snapshot();

    CompletableFuture<Void> save();

    CompletableFuture<Void> load();

    /** Like {@link Datastore#acquire(String, Duration, Duration)}; the future fails with {@link LockedException}. */
    CompletableFuture<Session> acquire(String key, Duration lease, Duration wait);
}
