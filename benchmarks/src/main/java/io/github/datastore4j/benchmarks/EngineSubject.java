package io.github.datastore4j.benchmarks;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Storage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;

/** The engine over whichever backend the URI names: the subject the suite exists to measure. */
final class EngineSubject implements Subject {
    static final String NAMESPACE = "bench";

    private final Storage storage;
    private final Datastore store;

    EngineSubject(String uri) {
        this.storage = Storage.open(uri);
        this.store = storage.datastore(NAMESPACE);
    }

    Datastore datastore() {
        return store;
    }

    @Override
    public JsonNode get(String key) {
        return store.get(key).orElse(null);
    }

    @Override
    public void set(String key, JsonNode value) {
        store.set(key, value);
    }

    @Override
    public void update(String key, UnaryOperator<JsonNode> function) {
        store.update(key, function);
    }

    @Override
    public long increment(String key, long delta) {
        return store.increment(key, delta);
    }

    @Override
    public int push(String key, JsonNode item) {
        return store.push(key, item);
    }

    @Override
    public boolean delete(String key) {
        return store.delete(key);
    }

    @Override
    public List<String> keys(String fromKey, int limit) {
        return store.queryKeys(KeyQuery.builder().startKey(fromKey).limit(limit).build())
                .keys();
    }

    @Override
    public void setAll(Map<String, JsonNode> entries) {
        CompletableFuture<?>[] writes = entries.entrySet().stream()
                .map(entry -> store.async().set(entry.getKey(), entry.getValue()))
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(writes).join();
    }

    @Override
    public int loadAll() {
        return store.size();
    }

    @Override
    public void close() {
        storage.close();
    }
}
