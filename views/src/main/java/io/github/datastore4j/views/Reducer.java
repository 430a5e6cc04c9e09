package io.github.datastore4j.views;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reduces the values of a range or group of rows to one value. Built-ins are in {@link Reducers}. It is always given
 * every value of the range or group (no re-reduce), so any function of the values is correct.
 */
@FunctionalInterface
public interface Reducer {
    JsonNode reduce(List<JsonNode> values);
}
