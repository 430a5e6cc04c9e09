package io.github.datastore4j.benchmarks;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;

/**
 * One store under test — the engine over a backend, or a raw baseline doing the same work without the engine — behind
 * the operations every workload needs. Every implementation gives the same answers (the facade test checks it) and
 * the same durability: a write returns once it is durable when the store is persistent.
 *
 * <p>Thread-safe: read-modify-write operations on one key are atomic, as the engine's are.
 */
interface Subject extends AutoCloseable {

    /** A copy of the value the caller may change, or {@code null} when absent. */
    JsonNode get(String key);

    void set(String key, JsonNode value);

    /** Replaces the value with {@code function} applied to a copy of it; the key must exist. */
    void update(String key, UnaryOperator<JsonNode> function);

    long increment(String key, long delta);

    /** Appends to the array at {@code key} (created when absent) and returns its new size. */
    int push(String key, JsonNode item);

    boolean delete(String key);

    /** Up to {@code limit} keys from {@code fromKey} (inclusive), in key order. */
    List<String> keys(String fromKey, int limit);

    /** Writes every entry and returns once all are durable; raw baselines commit them as one batch. */
    void setAll(Map<String, JsonNode> entries);

    /** Reads every record into memory, as a store does at start-up, and returns how many there are. */
    int loadAll();

    @Override
    void close();
}
