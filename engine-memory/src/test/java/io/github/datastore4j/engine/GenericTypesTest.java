package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.WrongTypeException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;

/** Reads and updates by TypeReference, for the generic types a Class cannot name. */
class GenericTypesTest {
    private final Storage storage = Storage.open("memory:");
    private final Datastore store = storage.datastore("ns");

    @AfterEach
    void close() {
        storage.close();
    }

    public record Result(String worker, int score) {}

    @Test
    @DisplayName("a list read by TypeReference has elements of its type, not maps")
    void listOfRecords() {
        store.push("results", new Result("w1", 7));
        store.push("results", new Result("w2", 9));
        List<Result> results =
                store.get("results", new TypeReference<List<Result>>() {}).orElseThrow();
        assertThat(results).containsExactly(new Result("w1", 7), new Result("w2", 9));
        assertThat(store.async()
                        .get("results", new TypeReference<List<Result>>() {})
                        .join()
                        .orElseThrow()
                        .get(1)
                        .score())
                .isEqualTo(9);
    }

    @Test
    @DisplayName("a map updated by TypeReference keeps its value type, and a missing key starts empty")
    void mapUpdate() {
        TypeReference<Map<String, Integer>> scores = new TypeReference<>() {};
        for (int i = 0; i < 3; i++) {
            store.update("scores", scores, current -> {
                Map<String, Integer> next = new HashMap<>(current);
                next.merge("ann", 1, Integer::sum);
                return next;
            });
        }
        assertThat(store.get("scores", scores)).contains(Map.of("ann", 3));
    }

    @Test
    @DisplayName("a value that does not map to the generic type is WRONG_TYPE naming the type")
    void wrongType() {
        store.set("k", List.of("not", "results"));
        assertThatThrownBy(() -> store.get("k", new TypeReference<List<Result>>() {}))
                .isInstanceOf(WrongTypeException.class)
                .hasMessageContaining("'k'")
                .hasMessageContaining("Result");
    }
}
