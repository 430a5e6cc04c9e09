package io.github.datastore4j.views;

/** Receives the rows a {@link MapFunction} emits. Keys and values are anything Jackson maps to JSON; null is JSON null. */
@FunctionalInterface
public interface Emitter {
    void emit(Object key, Object value);

    /** Emits {@code key} with a null value. */
    default void emit(Object key) {
        emit(key, null);
    }
}
