package io.github.datastore4j.views;

import io.github.datastore4j.api.Document;

/**
 * Maps one document to zero or more rows: {@code (doc, emitter) -> emitter.emit(key, value)}. It must depend on the
 * document only, and must not change it. It runs on the writer's thread inside the key's operation: keep it short.
 */
@FunctionalInterface
public interface MapFunction {
    void map(Document document, Emitter emitter);
}
