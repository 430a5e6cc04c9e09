package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.Storage;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** What an update function of a key that does not exist is given, and what the caller sees when it fails on it. */
class UpdateMissingKeyTest {
    private final Storage storage = Storage.open("memory:");
    private final Datastore store = storage.datastore("ns");

    @AfterEach
    void close() {
        storage.close();
    }

    public record User(String name, int visits) {}

    @Test
    @DisplayName("a typed update of a missing key starts from the empty object for POJOs, records and maps")
    void objectTypesStartEmpty() {
        store.update("alice", User.class, user -> new User("alice", user.visits() + 1));
        assertThat(store.get("alice", User.class)).contains(new User("alice", 1));
        @SuppressWarnings("unchecked")
        Class<Map<String, Object>> map = (Class<Map<String, Object>>) (Class<?>) Map.class;
        store.update("settings", map, settings -> {
            Map<String, Object> changed = new HashMap<>(settings);
            changed.put("theme", "dark");
            return changed;
        });
        assertThat(store.get("settings").orElseThrow().toString()).isEqualTo("{\"theme\":\"dark\"}");
    }

    @Test
    @DisplayName("a typed update of a missing number gets null, and failing on it says the key does not exist")
    void scalarTypesGetNull() {
        assertThatThrownBy(() -> store.update("n", Integer.class, n -> n + 1))
                .isInstanceOf(KeyNotFoundException.class)
                .hasMessageContaining("'n'")
                .hasMessageContaining("does not exist")
                .hasCauseInstanceOf(NullPointerException.class);
        store.update("n", Integer.class, n -> n == null ? 1 : n + 1);
        assertThat(store.get("n", Integer.class)).contains(1);
    }

    @Test
    @DisplayName("an update function returning null is refused with INVALID_VALUE, not an NPE about NullNode")
    void nullResultRefused() {
        assertThatThrownBy(() -> store.update("k", String.class, s -> null))
                .isInstanceOf(DatastoreException.class)
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_VALUE))
                .hasMessageContaining("returned null");
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    @DisplayName("an untyped update casting the MissingNode of a missing key fails saying the key does not exist")
    void untypedCastOnMissing() {
        assertThatThrownBy(() -> store.update("p", v -> ((ObjectNode) v).put("visits", 1)))
                .isInstanceOf(KeyNotFoundException.class)
                .hasMessageContaining("isMissingNode");
        assertThat(store.get("p")).isEmpty();
        store.update("p", v -> (v.isMissingNode() ? JsonNodeFactory.instance.objectNode() : (ObjectNode) v)
                .put("visits", v.path("visits").asInt() + 1));
        assertThat(store.get("p").orElseThrow().get("visits").asInt()).isEqualTo(1);
    }
}
