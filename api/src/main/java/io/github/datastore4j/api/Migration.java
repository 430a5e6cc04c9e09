package io.github.datastore4j.api;

import tools.jackson.databind.JsonNode;

/**
 * One step of a namespace's {@link Schema}: turns a value of schema version {@code N} into version {@code N + 1}.
 * It receives a copy it may change and return, or it returns a new tree. It must be a pure function of the value:
 * the engine runs it once per record per load, and a step that throws leaves the stored record as it was.
 */
@FunctionalInterface
public interface Migration {
    JsonNode migrate(JsonNode value);
}
