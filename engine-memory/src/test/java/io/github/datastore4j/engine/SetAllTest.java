package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.InvalidKeyException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageStatistics;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SetAllTest {

    private static Map<String, Object> entries(int from, int to) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = from; i < to; i++) {
            values.put("k" + i, Map.of("n", i));
        }
        return values;
    }

    @Test
    @DisplayName("setAll of 20,000 keys stores each, returns the documents in order, and commits them in large groups")
    void storesEveryKeyInLargeGroups() {
        try (Storage storage = Storage.open("memory:?durability=sync")) {
            Datastore store = storage.datastore("ns");
            store.set("k5", "old");
            Map<String, Document> documents = store.setAll(entries(0, 20_000));
            assertThat(documents).hasSize(20_000);
            assertThat(documents.keySet()).first().isEqualTo("k0");
            assertThat(documents.get("k5").rev()).as("replaced, as set does").isEqualTo(2);
            assertThat(store.size()).isEqualTo(20_000);
            assertThat(store.get("k19999").orElseThrow().get("n").asInt()).isEqualTo(19_999);
            StorageStatistics.CommitStatistics commits = storage.statistics().commits();
            assertThat(commits.mutations()).isEqualTo(20_001);
            assertThat(commits.largestBatch())
                    .as("grouped, not one commit per key")
                    .isGreaterThan(100);
            assertThat(storage.statistics().operation("setAll").succeeded()).isOne();
        }
    }

    @Test
    @DisplayName("a bad key or value anywhere in the map fails the call naming it, and nothing of the map is written")
    void badEntryWritesNothing() {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            store.set("k1", "kept");
            Map<String, Object> badKey = entries(0, 100);
            badKey.put("", 1);
            assertThatThrownBy(() -> store.setAll(badKey)).isInstanceOf(InvalidKeyException.class);
            Map<String, Object> badValue = entries(0, 100);
            badValue.put("k50", new Object()); // Jackson cannot map it
            assertThatThrownBy(() -> store.setAll(badValue))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE))
                    .hasMessageContaining("'k50'");
            assertThat(store.size()).isOne();
            assertThat(store.get("k1").orElseThrow().asText()).isEqualTo("kept");
            assertThat(store.setAll(Map.of())).isEmpty();
        }
    }

    @Test
    @DisplayName("the streaming setAll stores 25,000 entries in chunks; a repeated key keeps its last value")
    void streamingStoresInChunks() {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            Stream<Map.Entry<String, ?>> entries = Stream.concat(
                    IntStream.range(0, 25_000).mapToObj(i -> new AbstractMap.SimpleEntry<>("k" + i, i)),
                    Stream.of(new AbstractMap.SimpleEntry<>("k24999", -1)));
            assertThat(store.setAll(entries)).isEqualTo(25_000);
            assertThat(store.size()).isEqualTo(25_000);
            assertThat(store.get("k24999", Integer.class)).contains(-1);
        }
    }

    @Test
    @DisplayName("a bad entry in the third chunk of a stream leaves the first two chunks stored and none of its own")
    void streamingStopsAtTheBadChunk() {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            int chunk = BlockingDatastore.SET_ALL_CHUNK;
            List<Map.Entry<String, ?>> entries = new ArrayList<>();
            for (int i = 0; i < chunk * 3 + 10; i++) {
                entries.add(new AbstractMap.SimpleEntry<>("k" + i, i == chunk * 2 + 5 ? new Object() : i));
            }
            assertThatThrownBy(() -> store.setAll(entries.stream()))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE));
            assertThat(store.size()).isEqualTo(chunk * 2);
            assertThat(store.contains("k" + (chunk * 2))).isFalse();
        }
    }

    @Test
    @DisplayName("setAll on a shared store: another process sees every key")
    void sharedStore() throws Exception {
        try (SharedMemoryStore shared = SharedMemoryStore.create(new SharedMemoryStore.ManualClock());
                Storage one = Storage.open(shared.uri());
                Storage two = Storage.open(shared.uri())) {
            Datastore a = one.datastore("ns");
            Datastore b = two.datastore("ns");
            a.setAll(entries(0, 2_000));
            a.set("marker", 1);
            b.awaitValue("marker", 1, java.time.Duration.ofSeconds(30));
            assertThat(b.size()).isEqualTo(2_001);
        }
    }
}
