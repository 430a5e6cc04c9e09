package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.AsyncDatastore;
import io.github.datastore4j.api.ChangeListener;
import io.github.datastore4j.api.ChangesPage;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Subscription;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The blocking face of a {@link Namespace}: each call waits for its future and rethrows its failure unwrapped.
 * Thread-safe; holds no state of its own.
 */
final class BlockingDatastore implements Datastore {
    private final Namespace async;

    BlockingDatastore(Namespace async) {
        this.async = async;
    }

    /**
     * Starts {@code call} and blocks for its result, rethrowing its failure as it is. Every blocking call of the engine
     * goes through here. A blocking call from inside a key's operation (an update function, a wait predicate, a
     * listener or a stage run by a change) could wait on itself or on a key held by a thread waiting for this one, so
     * it is refused before {@code call} is started: whatever key it names, whether or not that key is busy, and with
     * nothing queued. Reads from memory ({@code get}, {@code queryKeys}…) do not come here and are allowed.
     */
    static <T> T await(Supplier<CompletableFuture<T>> call) {
        if (KeySlot.insideOperation()) {
            throw new IllegalStateException("a blocking datastore call was made from inside an update function, a"
                    + " wait predicate, a listener or a stage run by a change; nothing was done. Use async() there"
                    + " (its write runs after the current operation), or make the call after the operation");
        }
        CompletableFuture<T> future = SharedCommits.startedByWaitingCaller(call); // its write may commit here
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new DatastoreException(ErrorCode.BACKEND, "operation failed: " + cause, cause);
        } catch (InterruptedException e) {
            future.cancel(false); // a pending wait gives up; a queued write still takes effect
            Thread.currentThread().interrupt();
            throw new DatastoreException(ErrorCode.INTERRUPTED, "interrupted while waiting for the datastore", e);
        }
    }

    @Override
    public String namespace() {
        return async.namespace();
    }

    @Override
    public AsyncDatastore async() {
        return async;
    }

    @Override
    public Optional<JsonNode> get(String key) {
        return async.stats().read(EngineStatistics.Op.GET, () -> async.value(key));
    }

    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        return async.stats().read(EngineStatistics.Op.GET, () -> async.value(key, async.javaType(type)));
    }

    @Override
    public <T> Optional<T> get(String key, TypeReference<T> type) {
        return async.stats().read(EngineStatistics.Op.GET, () -> async.value(key, async.javaType(type)));
    }

    @Override
    public Optional<Document> getDocument(String key) {
        return async.stats().read(EngineStatistics.Op.GET_DOCUMENT, () -> async.document(key));
    }

    @Override
    public Optional<Document> getLatest(String key) {
        return await(() -> async.getLatest(key));
    }

    @Override
    public ChangesPage changes(long since, int limit) {
        return await(() -> async.changes(since, limit));
    }

    @Override
    public boolean contains(String key) {
        return async.stats().read(EngineStatistics.Op.CONTAINS, () -> async.contains(key));
    }

    @Override
    public int size() {
        return async.stats().read(EngineStatistics.Op.SIZE, () -> async.size());
    }

    @Override
    public Document set(String key, Object value) {
        return await(() -> async.set(key, value));
    }

    @Override
    public Map<String, Document> setAll(Map<String, ?> values) {
        return await(() -> async.setAll(values));
    }

    /** How many entries {@link #setAll(Stream)} checks and sends at once. */
    static final int SET_ALL_CHUNK = 10_000;

    @Override
    public long setAll(Stream<? extends Map.Entry<String, ?>> entries) {
        requireNonNull(entries, "entries");
        long stored = 0;
        Map<String, Object> chunk = new LinkedHashMap<>();
        Iterator<? extends Map.Entry<String, ?>> iterator = entries.iterator();
        while (iterator.hasNext()) {
            Map.Entry<String, ?> entry = iterator.next();
            chunk.remove(entry.getKey()); // a later entry of a key wins, and takes its place in the order
            chunk.put(entry.getKey(), entry.getValue());
            if (chunk.size() == SET_ALL_CHUNK) {
                setAll(chunk);
                stored += chunk.size();
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            setAll(chunk);
            stored += chunk.size();
        }
        return stored;
    }

    @Override
    public boolean setOnce(String key, Object value) {
        return await(() -> async.setOnce(key, value));
    }

    @Override
    public long increment(String key, long delta) {
        return await(() -> async.increment(key, delta));
    }

    @Override
    public double increment(String key, double delta) {
        return await(() -> async.increment(key, delta));
    }

    @Override
    public int push(String key, Object item) {
        return await(() -> async.push(key, item));
    }

    @Override
    public Document update(String key, UnaryOperator<JsonNode> function) {
        return await(() -> async.update(key, function));
    }

    @Override
    public <T> Document update(String key, Class<T> type, UnaryOperator<T> function) {
        return await(() -> async.update(key, type, function));
    }

    @Override
    public <T> Document update(String key, TypeReference<T> type, UnaryOperator<T> function) {
        return await(() -> async.update(key, type, function));
    }

    @Override
    public Document put(String key, Object value, long expectedRev) {
        return await(() -> async.put(key, value, expectedRev));
    }

    @Override
    public boolean delete(String key) {
        return await(() -> async.delete(key));
    }

    @Override
    public int clear() {
        return await(() -> async.clear());
    }

    @Override
    public Optional<Document> awaitChange(String key) {
        return await(() -> async.awaitChange(key, null));
    }

    @Override
    public Optional<Document> awaitChange(String key, Duration timeout) {
        return await(() -> async.awaitChange(key, requireNonNull(timeout, "timeout")));
    }

    @Override
    public Document awaitValue(String key, Object expected) {
        return await(() -> async.awaitValue(key, expected, null));
    }

    @Override
    public Document awaitValue(String key, Object expected, Duration timeout) {
        return await(() -> async.awaitValue(key, expected, requireNonNull(timeout, "timeout")));
    }

    @Override
    public Document awaitMatch(String key, Predicate<? super JsonNode> condition) {
        return await(() -> async.awaitMatch(key, condition, null));
    }

    @Override
    public Document awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout) {
        return await(() -> async.awaitMatch(key, condition, requireNonNull(timeout, "timeout")));
    }

    @Override
    public Document awaitSize(String key, int minSize) {
        return await(() -> async.awaitMinSize(key, minSize, null));
    }

    @Override
    public Document awaitSize(String key, IntPredicate sizeCondition, Duration timeout) {
        return await(() -> async.awaitSize(key, sizeCondition, requireNonNull(timeout, "timeout")));
    }

    @Override
    public Document awaitSize(String key, int minSize, Duration timeout) {
        return await(() -> async.awaitMinSize(key, minSize, requireNonNull(timeout, "timeout")));
    }

    @Override
    public Page queryKeys(KeyQuery query) {
        return async.stats().read(EngineStatistics.Op.QUERY_KEYS, () -> async.query(query));
    }

    @Override
    public SortedMap<String, Document> snapshot() {
        return async.stats().read(EngineStatistics.Op.SNAPSHOT, () -> async.snapshotNow());
    }

    @Override
    public Subscription subscribe(ChangeListener listener) {
        if (KeySlot.insideOperation()) {
            throw new IllegalStateException("subscribe was called from inside a key operation; call it outside");
        }
        return async.subscribe(listener);
    }

    @Override
    public void save() {
        await(() -> async.save());
    }

    @Override
    public void load() {
        await(() -> async.load());
    }

    @Override
    public Optional<ObjectNode> getMetadata(String key) {
        return await(() -> async.getMetadata(key));
    }

    @Override
    public Document updateMetadata(String key, UnaryOperator<ObjectNode> function) {
        return await(() -> async.updateMetadata(key, function));
    }

    @Override
    public Document setMetadata(String key, Object metadata) {
        return await(() -> async.setMetadata(key, metadata));
    }

    @Override
    public Session acquire(String key, Duration lease, Duration wait) {
        return await(() -> async.acquire(key, lease, wait));
    }

    @Override
    public String toString() {
        return "Datastore[" + namespace() + "]";
    }
}
