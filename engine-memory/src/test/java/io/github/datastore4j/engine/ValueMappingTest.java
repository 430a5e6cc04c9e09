package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a caller's object becomes when stored: its JSON, or a clear refusal — never garbage. */
class ValueMappingTest {
    private final Storage storage = Storage.open("memory:");
    private final Datastore store = storage.datastore("ns");

    @AfterEach
    void close() {
        storage.close();
    }

    /** A class Jackson sees no property of: its only field is private and has no getter. */
    static final class Opaque {
        @SuppressWarnings("unused")
        private final int secret = 42;
    }

    record Empty() {}

    @Test
    @DisplayName("an object Jackson sees no property of is refused with INVALID_VALUE, not stored as {}")
    void emptyBeanRefused() {
        for (Object opaque : List.of(new Object(), new Opaque())) {
            assertThatThrownBy(() -> store.set("k", opaque))
                    .isInstanceOf(DatastoreException.class)
                    .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_VALUE))
                    .hasMessageContaining("'k'")
                    .hasMessageContaining(opaque.getClass().getName());
        }
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    @DisplayName("empty maps, lists and records are real empty JSON values")
    void emptyContainersStored() {
        store.set("map", Map.of());
        store.set("list", List.of());
        store.set("record", new Empty());
        assertThat(store.get("map").orElseThrow().toString()).isEqualTo("{}");
        assertThat(store.get("list").orElseThrow().toString()).isEqualTo("[]");
        assertThat(store.get("record").orElseThrow().toString()).isEqualTo("{}");
    }

    @Test
    @DisplayName("a Jackson 2 tree is stored as the JSON it holds, numbers exact")
    void jackson2TreeConverted() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper jackson2 = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        String json = "{\"name\":\"ann\",\"tags\":[\"a\",\"é\"],\"price\":1.10,\"big\":12345678901234567890123,"
                + "\"nested\":{\"ok\":true,\"none\":null}}";
        com.fasterxml.jackson.databind.JsonNode tree = jackson2.readTree(json);
        store.set("k", tree);
        assertThat(store.get("k").orElseThrow().toString()).isEqualTo(tree.toString());
        assertThat(store.get("k").orElseThrow().get("big").bigIntegerValue())
                .isEqualTo(new java.math.BigInteger("12345678901234567890123"));
        store.push("list", jackson2.readTree("{\"x\":1}"));
        assertThat(store.get("list").orElseThrow().toString()).isEqualTo("[{\"x\":1}]");
    }
}
