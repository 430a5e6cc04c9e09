package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Bad input through the public API: it fails with a clear exception, or is stored safely; nothing stored is lost. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteBadInputTest {
    @TempDir
    Path directory;

    private List<String> files() throws Exception {
        try (Stream<Path> all = Files.list(directory)) {
            return all.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith("-wal") && !n.endsWith("-shm"))
                    .toList();
        }
    }

    @Test
    @DisplayName("keys like ../x, /etc/passwd, NUL and CON are rows of the one file, never paths")
    void pathLikeKeysStayInTheFile() throws Exception {
        List<String> keys = List.of("../x", "../../etc/passwd", "/abs", "a\u0000b", "CON", "..", "x/../../y");
        try (Storage storage = Storage.open(TestStores.uri(directory))) {
            Datastore store = storage.datastore("ns");
            for (String key : keys) {
                store.set(key, key.length());
            }
        }
        assertThat(files()).containsExactly("store.db");
        try (Storage storage = Storage.open(TestStores.uri(directory))) {
            Datastore store = storage.datastore("ns");
            for (String key : keys) {
                assertThat(store.get(key).orElseThrow().asInt()).as(key).isEqualTo(key.length());
            }
        }
    }

    @Test
    @DisplayName("a value over maxValueBytes and a value nested too deeply fail naming the key; what was stored stays")
    void hugeAndDeepValuesFailCleanly() {
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            deep.append('[');
        }
        for (int i = 0; i < 100_000; i++) {
            deep.append(']');
        }
        try (Storage storage = Storage.open(TestStores.uri(directory) + "?maxValueBytes=65536")) {
            Datastore store = storage.datastore("ns");
            store.set("kept", Map.of("a", 1));
            assertThatThrownBy(() -> store.set("kept", "x".repeat(100_000)))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("kept");
            try {
                JsonNode nested = JsonMapper.shared().readTree(deep.toString());
                assertThatThrownBy(() -> store.set("kept", nested)).isInstanceOf(DatastoreException.class);
            } catch (RuntimeException parserRefused) {
                // Jackson's own nesting limit refused it before it reached the store: as good
            }
            assertThat(store.get("kept").orElseThrow().get("a").asInt()).isEqualTo(1);
        }
        try (Storage storage = Storage.open(TestStores.uri(directory))) {
            assertThat(storage.datastore("ns")
                            .get("kept")
                            .orElseThrow()
                            .get("a")
                            .asInt())
                    .isEqualTo(1);
        }
    }
}
