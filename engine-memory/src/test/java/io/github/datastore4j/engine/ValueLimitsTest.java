package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A value is refused when it enters, naming the limit, or it reads back after a reopen: never acknowledged and then
 * unreadable. The shared-memory store keeps records across storages, as a persistent backend does.
 */
class ValueLimitsTest {
    private final SharedMemoryFixture shared = new SharedMemoryFixture("limits");

    @AfterEach
    void close() {
        shared.close();
    }

    private Datastore open() {
        return shared.open("?durability=sync").datastore("ns");
    }

    /** Closes every storage and opens the store again, loading what was stored. */
    private Datastore reopen() {
        shared.storages.forEach(Storage::close);
        shared.storages.clear();
        return open();
    }

    private static JsonNode nestedArrays(int depth) {
        ArrayNode root = JsonNodeFactory.instance.arrayNode();
        ArrayNode current = root;
        for (int i = 1; i < depth; i++) {
            current = current.addArray();
        }
        return root;
    }

    private static List<Object> nestedLists(int depth) {
        List<Object> root = new ArrayList<>();
        List<Object> current = root;
        for (int i = 1; i < depth; i++) {
            List<Object> next = new ArrayList<>();
            current.add(next);
            current = next;
        }
        return root;
    }

    private static void assertInvalid(Runnable call, String limit) {
        assertThatThrownBy(call::run)
                .isInstanceOf(DatastoreException.class)
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_VALUE))
                .hasMessageContaining("'k'")
                .hasMessageContaining(limit);
    }

    @Test
    @DisplayName("values at every limit are stored and read back after a reopen")
    void atTheLimitsReadsBack() {
        Datastore store = open();
        store.set("deep", nestedArrays(ValueLimits.MAX_NESTING_DEPTH));
        store.set("number", new BigInteger("9".repeat(ValueLimits.MAX_NUMBER_LENGTH)));
        store.set("name", Map.of("n".repeat(ValueLimits.MAX_NAME_LENGTH), 1));
        store.set("pojo", nestedLists(ValueLimits.MAX_NESTING_DEPTH));
        Datastore reopened = reopen();
        assertThat(reopened.get("deep").orElseThrow()).isEqualTo(nestedArrays(ValueLimits.MAX_NESTING_DEPTH));
        assertThat(reopened.get("number", BigInteger.class))
                .contains(new BigInteger("9".repeat(ValueLimits.MAX_NUMBER_LENGTH)));
        assertThat(reopened.get("name").orElseThrow().has("n".repeat(ValueLimits.MAX_NAME_LENGTH)))
                .isTrue();
        assertThat(reopened.get("pojo").orElseThrow()).isEqualTo(nestedArrays(ValueLimits.MAX_NESTING_DEPTH));
    }

    @ParameterizedTest(name = "nested {0} deep")
    @ValueSource(ints = {501, 10_000, 100_000})
    @DisplayName("a tree nested past the limit is refused, however deep, without a StackOverflowError")
    void tooDeepTreeRefused(int depth) {
        Datastore store = open();
        assertInvalid(() -> store.set("k", nestedArrays(depth)), "nesting depth");
        assertInvalid(() -> store.set("k", nestedLists(depth)), "nesting depth");
        assertInvalid(() -> store.update("k", v -> nestedArrays(depth)), "nesting depth");
        assertInvalid(() -> store.setMetadata("k", Map.of("m", nestedLists(depth))), "nesting depth");
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    @DisplayName("push onto an array that would then be nested too deep is refused, and the array is unchanged")
    void pushPastTheDepthRefused() {
        Datastore store = open();
        store.set("k", List.of());
        assertInvalid(() -> store.push("k", nestedArrays(ValueLimits.MAX_NESTING_DEPTH)), "nesting depth");
        assertThat(store.getDocument("k").orElseThrow().rev()).isEqualTo(1);
        assertThat(reopen().get("k").orElseThrow()).isEmpty();
    }

    @Test
    @DisplayName("a number longer than the limit is refused, as integer and as decimal")
    void longNumberRefused() {
        Datastore store = open();
        assertInvalid(() -> store.set("k", new BigInteger("1".repeat(1_500))), "number of 1500 characters");
        assertInvalid(() -> store.set("k", new BigDecimal("1." + "2".repeat(1_500))), "limit of 1000");
    }

    @Test
    @DisplayName("a property name longer than the limit is refused, in values and in metadata")
    void longNameRefused() {
        Datastore store = open();
        store.set("k", 1);
        assertInvalid(() -> store.set("k", Map.of("n".repeat(60_000), 1)), "property name of 60000");
        assertInvalid(() -> store.setMetadata("k", Map.of("n".repeat(60_000), 1)), "property name");
        assertThat(store.get("k", Integer.class)).contains(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    @DisplayName("NaN and infinities are refused, not turned into strings")
    void nonFiniteRefused(double number) {
        Datastore store = open();
        assertInvalid(() -> store.set("k", number), "JSON cannot express");
        assertInvalid(() -> store.set("k", Map.of("x", List.of(number))), "JSON cannot express");
        ObjectNode tree = JsonNodeFactory.instance.objectNode().put("x", number);
        assertInvalid(() -> store.set("k", tree), "JSON cannot express");
        assertThat(store.get("k")).isEmpty();
    }
}
