package io.github.datastore4j.engine;

import io.github.datastore4j.api.AsyncDatastore;
import io.github.datastore4j.api.ChangesPage;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.spi.Names;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The async API of a {@link Namespace}, each call handed to the concern it belongs to: {@link KeyOperations}, {@link
 * Waits}, {@link Sessions}, {@link Queries}, {@link Persistence}, the {@link SharedNamespace} on a shared store. It
 * holds no state; {@link Namespace} keeps the slots and the concerns.
 *
 * <p><b>Concurrency contract.</b> That of {@link Namespace} and of the concern each call goes to.
 */
abstract class NamespaceApi implements AsyncDatastore {
    abstract KeyOperations operations();

    abstract Waits waits();

    abstract Sessions sessions();

    abstract Queries queries();

    abstract Persistence persistence();

    /** The shared mode, or null. */
    abstract SharedNamespace shared();

    abstract EngineStorage storage();

    /** The storage's counters ({@link io.github.datastore4j.api.Storage#statistics()}). */
    final EngineStatistics stats() {
        return storage().stats();
    }

    abstract Optional<JsonNode> value(String key);

    abstract <T> Optional<T> value(String key, JavaType type);

    abstract Optional<Document> document(String key);

    abstract JavaType javaType(Class<?> type);

    abstract JavaType javaType(TypeReference<?> type);

    @Override
    public CompletableFuture<Optional<JsonNode>> get(String key) {
        return stats().time(EngineStatistics.Op.GET, () -> CompletableFuture.completedFuture(value(key)));
    }

    @Override
    public <T> CompletableFuture<Optional<T>> get(String key, Class<T> type) {
        return stats().time(
                        EngineStatistics.Op.GET, () -> CompletableFuture.completedFuture(value(key, javaType(type))));
    }

    @Override
    public <T> CompletableFuture<Optional<T>> get(String key, TypeReference<T> type) {
        return stats().time(
                        EngineStatistics.Op.GET, () -> CompletableFuture.completedFuture(value(key, javaType(type))));
    }

    @Override
    public CompletableFuture<Optional<Document>> getLatest(String key) {
        return stats().time(EngineStatistics.Op.GET_LATEST, () -> latest(key));
    }

    private CompletableFuture<Optional<Document>> latest(String key) {
        Names.requireValidKey(key);
        storage().ensureOpen();
        if (shared() == null) {
            return CompletableFuture.completedFuture(document(key));
        }
        return shared().latest(key).thenApply(value -> value.map(StoredValue::document));
    }

    @Override
    public CompletableFuture<ChangesPage> changes(long since, int limit) {
        return stats().time(EngineStatistics.Op.CHANGES, () -> changesPage(since, limit));
    }

    private CompletableFuture<ChangesPage> changesPage(long since, int limit) {
        if (since < 0) {
            throw new IllegalArgumentException("since must not be negative, was " + since);
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        storage().ensureOpen();
        if (shared() == null) {
            throw new UnsupportedOperationException(
                    "namespace '" + namespace() + "' of " + storage().uri()
                            + " is on a store of one process, which keeps no change feed; subscribe() tells this process"
                            + " of every change");
        }
        return shared().changes(since, limit);
    }

    @Override
    public CompletableFuture<Optional<Document>> getDocument(String key) {
        return stats().time(EngineStatistics.Op.GET_DOCUMENT, () -> CompletableFuture.completedFuture(document(key)));
    }

    // ---------------------------------------------------------------- the API, by concern

    @Override
    public CompletableFuture<Optional<ObjectNode>> getMetadata(String key) {
        return stats().time(EngineStatistics.Op.GET_METADATA, () -> operations().getMetadata(key));
    }

    @Override
    public CompletableFuture<Document> updateMetadata(String key, UnaryOperator<ObjectNode> function) {
        return stats().time(
                        EngineStatistics.Op.UPDATE_METADATA, () -> operations().updateMetadata(key, function));
    }

    @Override
    public CompletableFuture<Document> setMetadata(String key, Object metadata) {
        return stats().time(EngineStatistics.Op.SET_METADATA, () -> operations().setMetadata(key, metadata));
    }

    @Override
    public CompletableFuture<Document> set(String key, Object value) {
        return stats().time(EngineStatistics.Op.SET, () -> operations().set(key, value));
    }

    @Override
    public CompletableFuture<Map<String, Document>> setAll(Map<String, ?> values) {
        return stats().time(EngineStatistics.Op.SET_ALL, () -> operations().setAll(values));
    }

    @Override
    public CompletableFuture<Boolean> setOnce(String key, Object value) {
        return stats().time(EngineStatistics.Op.SET_ONCE, () -> operations().setOnce(key, value));
    }

    @Override
    public CompletableFuture<Long> increment(String key, long delta) {
        return stats().time(EngineStatistics.Op.INCREMENT, () -> operations().increment(key, delta));
    }

    @Override
    public CompletableFuture<Double> increment(String key, double delta) {
        return stats().time(EngineStatistics.Op.INCREMENT, () -> operations().increment(key, delta));
    }

    @Override
    public CompletableFuture<Integer> push(String key, Object item) {
        return stats().time(EngineStatistics.Op.PUSH, () -> operations().push(key, item));
    }

    @Override
    public CompletableFuture<Document> update(String key, UnaryOperator<JsonNode> function) {
        return stats().time(EngineStatistics.Op.UPDATE, () -> operations().update(key, function));
    }

    @Override
    public <T> CompletableFuture<Document> update(String key, Class<T> type, UnaryOperator<T> function) {
        return stats().time(EngineStatistics.Op.UPDATE, () -> operations().update(key, type, function));
    }

    @Override
    public <T> CompletableFuture<Document> update(String key, TypeReference<T> type, UnaryOperator<T> function) {
        return stats().time(EngineStatistics.Op.UPDATE, () -> operations().update(key, type, function));
    }

    @Override
    public CompletableFuture<Document> put(String key, Object value, long expectedRev) {
        return stats().time(EngineStatistics.Op.PUT, () -> operations().put(key, value, expectedRev));
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        return stats().time(EngineStatistics.Op.DELETE, () -> operations().delete(key));
    }

    @Override
    public CompletableFuture<Integer> clear() {
        return stats().time(EngineStatistics.Op.CLEAR, () -> operations().clear());
    }

    @Override
    public CompletableFuture<Optional<Document>> awaitChange(String key, Duration timeout) {
        return stats().time(EngineStatistics.Op.AWAIT_CHANGE, () -> waits().awaitChange(key, timeout));
    }

    @Override
    public CompletableFuture<Document> awaitValue(String key, Object expected, Duration timeout) {
        return stats().time(EngineStatistics.Op.AWAIT_VALUE, () -> waits().awaitValue(key, expected, timeout));
    }

    @Override
    public CompletableFuture<Document> awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout) {
        return stats().time(EngineStatistics.Op.AWAIT_MATCH, () -> waits().awaitMatch(key, condition, timeout));
    }

    @Override
    public CompletableFuture<Document> awaitSize(String key, IntPredicate sizeCondition, Duration timeout) {
        return stats().time(EngineStatistics.Op.AWAIT_SIZE, () -> waits().awaitSize(key, sizeCondition, timeout));
    }

    CompletableFuture<Document> awaitMinSize(String key, int minSize, Duration timeout) {
        return stats().time(EngineStatistics.Op.AWAIT_SIZE, () -> waits().awaitMinSize(key, minSize, timeout));
    }

    /** Fails every waiter and waiting acquire not yet done; called on close. */
    void failWaiters(DatastoreException cause) {
        waits().failWaiters(cause);
        sessions().failWaiting(cause);
    }

    Page query(KeyQuery query) {
        return queries().query(query);
    }

    @Override
    public CompletableFuture<Page> queryKeys(KeyQuery query) {
        return stats().time(EngineStatistics.Op.QUERY_KEYS, () -> queries().queryKeys(query));
    }

    SortedMap<String, Document> snapshotNow() {
        return queries().snapshotNow();
    }

    @Override
    public CompletableFuture<SortedMap<String, Document>> snapshot() {
        return stats().time(EngineStatistics.Op.SNAPSHOT, () -> queries().snapshot());
    }

    @Override
    public CompletableFuture<Session> acquire(String key, Duration lease, Duration wait) {
        return stats().time(EngineStatistics.Op.ACQUIRE, () -> sessions().acquire(key, lease, wait));
    }

    CompletableFuture<Document> sessionWrite(String key, long token, JsonNode working) {
        return sessions().sessionWrite(key, token, working);
    }

    CompletableFuture<Void> renew(String key, long token, Duration lease) {
        return sessions().renew(key, token, lease);
    }

    void free(EngineSession session) {
        sessions().free(session);
    }

    JsonNode sessionTree(String key, Object value) {
        return sessions().sessionTree(key, value);
    }

    byte[] sessionBytes(String key, JsonNode value) {
        return sessions().sessionBytes(key, value);
    }

    void stopAutosave(EngineSession session) {
        sessions().stopAutosave(session);
    }

    void autosaveSessions() {
        sessions().autosaveSessions();
    }

    @Override
    public CompletableFuture<Void> save() {
        return stats().time(EngineStatistics.Op.SAVE, () -> persistence().save());
    }

    CompletableFuture<Void> saveDirty(boolean urgent) {
        return persistence().saveDirty(urgent);
    }

    @Override
    public CompletableFuture<Void> load() {
        return stats().time(EngineStatistics.Op.LOAD, () -> persistence().load());
    }
}
