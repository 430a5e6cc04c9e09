package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.Transfer;
import io.github.datastore4j.api.spi.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Copying a namespace backend to backend: what is kept, what is refused, and how an interrupted copy finishes. */
class TransferTest {
    private final String from = "transfer-from-" + UUID.randomUUID();
    private final String to = "transfer-to-" + UUID.randomUUID();
    private final SharedMemoryBackendProvider.Store source = SharedMemoryBackendProvider.store(from);
    private final SharedMemoryBackendProvider.Store target = SharedMemoryBackendProvider.store(to);

    @AfterEach
    void forget() {
        SharedMemoryBackendProvider.STORES.remove(from);
        SharedMemoryBackendProvider.STORES.remove(to);
    }

    private void writeSource(int documents) {
        try (Storage storage = Storage.open("shared-memory:" + from)) {
            Datastore ns =
                    storage.datastore("ns", Schema.builder().migrate(0, v -> v).build());
            for (int i = 0; i < documents; i++) {
                ns.async().set("k" + i, Map.of("n", i, "price", new java.math.BigDecimal("1.10")));
            }
            ns.set("k0", Map.of("n", 0, "edited", true)); // rev 2
            ns.setMetadata("k0", Map.of("owner", "ann")); // rev 3
            storage.datastore("other").set("x", 1);
        }
    }

    @Test
    @DisplayName("every record arrives with its key, revision, schema version, value and metadata bytes, in batches")
    void keepsEverything() {
        writeSource(2_500);
        List<String> progress = new ArrayList<>();
        int copied = Transfer.copy(
                "shared-memory:" + from, "shared-memory:" + to, "ns", (c, t) -> progress.add(c + "/" + t));

        assertThat(copied).isEqualTo(2_500);
        assertThat(progress).containsExactly("1000/2500", "2000/2500", "2500/2500");
        for (Map.Entry<String, Record> entry : source.data.get("ns").entrySet()) {
            Record copy = target.get("ns", entry.getKey()).orElseThrow();
            assertThat(copy.rev()).isEqualTo(entry.getValue().rev());
            assertThat(copy.schemaVersion()).isEqualTo(entry.getValue().schemaVersion());
            assertThat(copy.value()).isEqualTo(entry.getValue().value());
            assertThat(copy.metadata()).isEqualTo(entry.getValue().metadata());
        }
        assertThat(target.data).doesNotContainKey("other");
        try (Storage storage = Storage.open("shared-memory:" + to)) {
            Document k0 = storage.datastore("ns").getDocument("k0").orElseThrow();
            assertThat(k0.rev()).isEqualTo(3);
            assertThat(k0.schemaVersion()).isEqualTo(1);
            assertThat(k0.metadata().get("owner").asString()).isEqualTo("ann");
        }
    }

    @Test
    @DisplayName("a copy cut short is finished by running it again; exact copies are skipped")
    void resumes() {
        writeSource(100);
        source.data.get("ns").entrySet().stream().limit(40).forEach(entry -> target.data
                .computeIfAbsent("ns", ns -> new java.util.concurrent.ConcurrentSkipListMap<>())
                .put(entry.getKey(), entry.getValue()));

        int copied = Transfer.copy("shared-memory:" + from, "shared-memory:" + to, "ns", Transfer.Progress.none());

        assertThat(copied).isEqualTo(60);
        assertThat(target.data.get("ns")).hasSize(100);
        assertThat(Transfer.copy("shared-memory:" + from, "shared-memory:" + to, "ns", Transfer.Progress.none()))
                .isZero();
    }

    @Test
    @DisplayName("different data at the target is refused with CONFLICT, and nothing is written")
    void refusesOtherData() {
        writeSource(10);
        try (Storage storage = Storage.open("shared-memory:" + to)) {
            storage.datastore("ns").set("k3", "someone else's");
        }
        assertThatThrownBy(() ->
                        Transfer.copy("shared-memory:" + from, "shared-memory:" + to, "ns", Transfer.Progress.none()))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT))
                .hasMessageContaining("'k3'");
        assertThat(target.data.get("ns")).containsOnlyKeys("k3");
    }

    @Test
    @DisplayName("a source record failing its checksum fails the copy before anything is written")
    void refusesCorruptSource() {
        writeSource(10);
        Record good = source.data.get("ns").get("k5");
        source.data
                .get("ns")
                .put("k5", new Record("k5", good.rev(), good.schemaVersion(), good.checksum() + 1, good.value()));

        assertThatThrownBy(() ->
                        Transfer.copy("shared-memory:" + from, "shared-memory:" + to, "ns", Transfer.Progress.none()))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("'k5'")
                .hasMessageContaining("nothing was written");
        assertThat(target.data).doesNotContainKey("ns");
    }

    @Test
    @DisplayName("an empty source namespace, the same store twice, or a bad name are refused")
    void badInput() {
        writeSource(1);
        assertThatThrownBy(() -> Transfer.copy(
                        "shared-memory:" + from, "shared-memory:" + to, "missing", Transfer.Progress.none()))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                .hasMessageContaining("holds no records");
        assertThatThrownBy(() ->
                        Transfer.copy("shared-memory:" + from, "shared-memory:" + from, "ns", Transfer.Progress.none()))
                .hasMessageContaining("the same store");
        assertThatThrownBy(() -> Transfer.copy(
                        "shared-memory:" + from, "shared-memory:" + to, "../ns", Transfer.Progress.none()))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_KEY));
        assertThatThrownBy(() -> Transfer.copy("nope:" + from, "shared-memory:" + to, "ns", Transfer.Progress.none()))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_PROVIDER));
    }
}
