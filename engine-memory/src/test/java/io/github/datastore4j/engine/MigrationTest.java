package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.MigrationException;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** When migrated records reach the backend, and what a crash in the middle of a bulk migration leaves. */
class MigrationTest {
    private final SharedMemoryFixture shared = new SharedMemoryFixture("migration");
    private final SharedMemoryBackendProvider.Store backend = shared.backend;
    private final AtomicInteger steps = new AtomicInteger();
    private final Schema schema = Schema.builder()
            .migrate(0, value -> {
                steps.incrementAndGet();
                return ((ObjectNode) value).put("coins", 0);
            })
            .build();

    @AfterEach
    void close() {
        shared.close();
    }

    private Storage open(String settings) {
        return shared.open(settings);
    }

    private void writeVersion0(int count) {
        try (Storage storage = Storage.open(shared.uri(""))) {
            Datastore old = storage.datastore("ns");
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                writes.add(old.async().set("k" + i, Map.of("name", "n" + i)));
            }
            writes.forEach(CompletableFuture::join);
        }
    }

    private long storedAtVersion(int version) {
        return backend.data.get("ns").values().stream()
                .filter(record -> record.schemaVersion() == version)
                .count();
    }

    @Test
    @DisplayName("sync: migrated records are committed before datastore(ns, schema) returns")
    void syncCommitsBeforeReturning() {
        writeVersion0(10);
        open("").datastore("ns", schema);
        assertThat(storedAtVersion(1)).isEqualTo(10);
        Record record = backend.get("ns", "k3").orElseThrow();
        assertThat(record.rev()).isEqualTo(2);
        assertThat(new String(record.value(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"name\":\"n3\",\"coins\":0}");
    }

    @Test
    @DisplayName("interval: migrated records are saved by the next save, not at open")
    void intervalSavesLater() {
        writeVersion0(10);
        Storage storage = open("?durability=interval&autosave=1h");
        storage.datastore("ns", schema);
        assertThat(storedAtVersion(0)).isEqualTo(10);
        storage.save();
        assertThat(storedAtVersion(1)).isEqualTo(10);
    }

    @Test
    @DisplayName("a bulk migration cut off after its first batch resumes without migrating a record twice")
    void resumesAfterACrash() throws Exception {
        writeVersion0(2_500);
        Storage first = open("?retries=0"); // the injected failure ends the run, as a crash would
        backend.holdCommits();
        CompletableFuture<Throwable> attempt = CompletableFuture.supplyAsync(() -> {
            try {
                first.migrate("ns", schema, (committed, toMigrate, total) -> {});
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertThat(backend.awaitHeldCommit()).isTrue();
        backend.letOneCommitThrough(); // batch 1: 1,000 records
        assertThat(backend.awaitHeldCommit()).isTrue();
        backend.failNextWrites.set(1); // batch 2 fails, as a crash or a full disk would end it
        backend.releaseCommits();
        assertThat(attempt.get(30, TimeUnit.SECONDS))
                .isInstanceOf(BackendException.class)
                .hasMessageContaining("No space left on device");
        assertThat(storedAtVersion(1)).isEqualTo(1_000);
        assertThat(steps).hasValue(2_500); // all migrated in memory, one batch committed

        List<String> progress = new ArrayList<>();
        Datastore resumed = open("").migrate("ns", schema, (c, m, t) -> progress.add(c + "/" + m + "/" + t));
        assertThat(steps).as("only the 1,500 not yet committed ran again").hasValue(4_000);
        assertThat(progress).containsExactly("1000/1500/2500", "1500/1500/2500");
        assertThat(storedAtVersion(1)).isEqualTo(2_500);
        assertThat(resumed.getDocument("k0").orElseThrow().rev()).isEqualTo(2);
    }

    @Test
    @DisplayName("load() migrates what another writer left at an older version, and refuses a newer one")
    void loadMigrates() {
        Datastore profiles = open("").datastore("ns", schema);
        writeVersion0(1); // another storage on the same backend writes k0 at version 0
        profiles.load();
        assertThat(profiles.getDocument("k0").orElseThrow().schemaVersion()).isEqualTo(1);
        assertThat(storedAtVersion(1)).as("committed in sync mode").isEqualTo(1);

        try (Storage newer = Storage.open(shared.uri(""))) {
            Schema v2 = Schema.builder().migrate(0, v -> v).migrate(1, v -> v).build();
            newer.datastore("ns", v2).set("k1", Map.of("name", "from newer code"));
        }
        assertThatThrownBy(profiles::load)
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("has schema version 2 but this code's schema stops at version 1");
        assertThat(profiles.get("k1")).as("nothing replaced").isEmpty();
        assertThat(profiles.getDocument("k0").orElseThrow().schemaVersion()).isEqualTo(1);
    }
}
