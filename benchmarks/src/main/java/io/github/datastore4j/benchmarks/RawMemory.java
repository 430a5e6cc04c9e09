package io.github.datastore4j.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.LongNode;

/**
 * The memory baseline: a {@link ConcurrentHashMap} of trees plus a sorted key set, with {@code compute} for atomic
 * read-modify-write. It copies what it hands out and takes in, as any store that must not share mutable trees does,
 * and nothing more: no revisions, no serialization, no size checks, no waiters, no change stream.
 */
final class RawMemory implements Subject {
    private final ConcurrentHashMap<String, JsonNode> values = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<String> keys = new ConcurrentSkipListSet<>();

    @Override
    public JsonNode get(String key) {
        JsonNode value = values.get(key);
        return value == null ? null : value.deepCopy();
    }

    @Override
    public void set(String key, JsonNode value) {
        values.put(key, value.deepCopy());
        keys.add(key);
    }

    @Override
    public void update(String key, UnaryOperator<JsonNode> function) {
        values.computeIfPresent(key, (k, value) -> function.apply(value.deepCopy()));
    }

    @Override
    public long increment(String key, long delta) {
        JsonNode after =
                values.merge(key, LongNode.valueOf(delta), (before, d) -> LongNode.valueOf(before.asLong() + delta));
        keys.add(key);
        return after.asLong();
    }

    @Override
    public int push(String key, JsonNode item) {
        JsonNode after = values.compute(key, (k, before) -> {
            ArrayNode array = before == null ? Documents.MAPPER.createArrayNode() : (ArrayNode) before.deepCopy();
            return array.add(item.deepCopy());
        });
        keys.add(key);
        return after.size();
    }

    @Override
    public boolean delete(String key) {
        keys.remove(key);
        return values.remove(key) != null;
    }

    @Override
    public List<String> keys(String fromKey, int limit) {
        return keys.tailSet(fromKey).stream().limit(limit).toList();
    }

    @Override
    public void setAll(Map<String, JsonNode> entries) {
        entries.forEach(this::set);
    }

    @Override
    public int loadAll() {
        return values.size();
    }

    @Override
    public void close() {}
}
