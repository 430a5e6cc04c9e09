package io.github.datastore4j.backend.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.QuarantinedRecord;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import io.github.datastore4j.testkit.ChildJvm;
import io.github.datastore4j.testkit.ExitWithoutClose;
import io.github.datastore4j.testkit.SmallDisk;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonBackendTest {
    @TempDir
    Path temp;

    private Path root() {
        return temp.resolve("data");
    }

    private String uri() {
        return "json:" + root();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> walk = Files.walk(temp)) {
            return walk.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    private Path fileOf(String namespace, String key) {
        return root().resolve(FileNames.ofNamespace(namespace)).resolve(FileNames.ofKey(key));
    }

    @Test
    @DisplayName("a document is a readable file holding key, rev, schema version, checksum and value")
    void readableFile() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("users").set("alice", Map.of("email", "alice@example.com"));
        }
        String text = Files.readString(fileOf("users", "alice"));
        assertThat(text)
                .contains("\"key\" : \"alice\"")
                .contains("\"rev\" : 1")
                .contains("\"schemaVersion\" : 0")
                .contains("\"checksum\" : ")
                .contains("\"value\" : {\"email\":\"alice@example.com\"}");
    }

    @Test
    @DisplayName("no awkward key writes a file outside its namespace folder")
    void noEscape() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            BackendCompatibilityKit.AWKWARD_KEYS.forEach(key -> store.set(key, key));
        }
        Path folder = root().resolve("ns");
        for (Path file : files()) {
            if (!file.getFileName().toString().equals(StoreLock.FILE_NAME)) {
                assertThat(file.getParent()).as(file.toString()).isEqualTo(folder);
            }
        }
        assertThat(files()).hasSize(BackendCompatibilityKit.AWKWARD_KEYS.size() + 1);
    }

    @Test
    @DisplayName("numbers come back byte for byte, so their checksums hold across reopen")
    void exactNumbers() {
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            store.set("money", Map.of("amount", new BigDecimal("1.10")));
            store.set("big", 1e10);
            store.set("precise", new BigDecimal("12345678901234567890.123456789"));
        }
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            assertThat(store.get("money").orElseThrow().get("amount").decimalValue())
                    .isEqualByComparingTo("1.10");
            assertThat(store.get("big", Double.class)).contains(1e10);
            assertThat(store.get("precise").orElseThrow().toString()).isEqualTo("12345678901234567890.123456789");
        }
    }

    @Test
    @DisplayName("a flipped byte in a value fails the open with CORRUPT naming namespace, key and file")
    void flippedByte() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", "hello world");
        }
        Path file = fileOf("ns", "k");
        Files.writeString(file, Files.readString(file).replace("hello world", "hellO world"));
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("'k'")
                    .hasMessageContaining("'ns'")
                    .hasMessageContaining("checksum");
        }
        assertThat(Files.readString(file)).as("nothing is deleted").contains("hellO world");
    }

    @Test
    @DisplayName("a truncated or non-JSON file fails the open with CORRUPT naming the file")
    void truncatedAndInvalid() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", Map.of("a", 1));
        }
        Path file = fileOf("ns", "k");
        byte[] bytes = Files.readAllBytes(file);
        for (byte[] broken : List.of(
                java.util.Arrays.copyOf(bytes, bytes.length / 2),
                "not json at all".getBytes(StandardCharsets.UTF_8),
                "{\"key\":\"k\"}".getBytes(StandardCharsets.UTF_8),
                new byte[0])) {
            Files.write(file, broken);
            try (Storage storage = Storage.open(uri())) {
                assertThatThrownBy(() -> storage.datastore("ns"))
                        .isInstanceOf(CorruptDataException.class)
                        .hasMessageContaining(file.toString())
                        .hasMessageContaining("'k'");
            }
        }
    }

    @Test
    @DisplayName("with onCorrupt=quarantine damaged files are moved aside and reported, and the rest loads")
    void quarantine() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            store.set("flipped", "hello world");
            store.set("garbled", Map.of("a", 1));
            store.set("fine", 7);
        }
        Path flipped = fileOf("ns", "flipped");
        Files.writeString(flipped, Files.readString(flipped).replace("hello", "hellO"));
        Path garbled = fileOf("ns", "garbled");
        Files.writeString(garbled, "{ not json");
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("onCorrupt=quarantine");
        }
        try (Storage storage = Storage.open(uri() + "?onCorrupt=quarantine")) {
            assertThat(storage.datastore("ns").get("fine", Integer.class)).contains(7);
            assertThat(storage.quarantined())
                    .extracting(QuarantinedRecord::key)
                    .containsExactlyInAnyOrder("flipped", "garbled");
        }
        assertThat(flipped).doesNotExist();
        assertThat(garbled).doesNotExist();
        try (Stream<Path> aside =
                Files.list(root().resolve(JsonBackend.QUARANTINE).resolve("ns"))) {
            assertThat(aside).hasSize(2);
        }
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns").size()).isEqualTo(1);
            assertThat(storage.namespaces()).containsExactly("ns");
        }
    }

    @Test
    @DisplayName("temp files left by a crash are swept on open")
    void sweepsTempFiles() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", 1);
        }
        Path leftover = root().resolve("ns").resolve(".tmp-1234");
        Files.writeString(leftover, "{\"half");
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns").get("k", Integer.class)).contains(1);
        }
        assertThat(leftover).doesNotExist();
    }

    @Test
    @DisplayName("interval durability saves at JVM exit even without close")
    void intervalSavesAtExit() throws Exception {
        String interval = uri() + "?durability=interval&autosave=1h";
        ChildJvm.Result child = ChildJvm.run(ExitWithoutClose.class, interval, "100");
        assertThat(child.exitCode()).as(child.output()).isZero();
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("exit");
            assertThat(store.size()).isEqualTo(100);
            assertThat(store.get("k99", Integer.class)).contains(99);
        }
    }

    @Test
    @DisplayName("json: without a folder is refused")
    void needsFolder() {
        assertThatThrownBy(() -> Storage.open("json:"))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65", "eight", ""})
    @DisplayName("writeThreads outside 1–64 is refused, naming the setting")
    void writeThreadsChecked(String threads) {
        assertThatThrownBy(() -> Storage.open(uri() + "?writeThreads=" + threads))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                .hasMessageContaining("writeThreads");
    }

    @Test
    @DisplayName("writeThreads=1 writes a batch one file after another, and it reads back")
    void oneWriteThread() {
        try (Storage storage = Storage.open(uri() + "?writeThreads=1")) {
            Datastore store = storage.datastore("ns");
            for (int i = 0; i < 50; i++) {
                store.async().set("k" + i, i);
            }
            store.save();
        }
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns").size()).isEqualTo(50);
        }
    }

    @Test
    @DisplayName("a file whose name is not its key's is CORRUPT, or quarantined, never loaded under a key it was not"
            + " written for")
    void fileUnderAnotherNameIsCorrupt() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("ghost", 1);
            storage.datastore("ns").set("real", 2);
        }
        Files.copy(fileOf("ns", "ghost"), fileOf("ns", "ghost").resolveSibling("Ghost File.json"));
        assertThatThrownBy(() -> {
                    try (Storage storage = Storage.open(uri())) {
                        storage.datastore("ns");
                    }
                })
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("Ghost File.json")
                .hasMessageContaining("'ghost'");
        try (Storage storage = Storage.open(uri() + "?onCorrupt=quarantine")) {
            Datastore store = storage.datastore("ns");
            assertThat(storage.quarantined()).singleElement().satisfies(report -> assertThat(report.problem())
                    .contains("copied or renamed"));
            assertThat(store.delete("ghost")).isTrue();
        }
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns").get("ghost")).isEmpty();
            assertThat(storage.datastore("ns").get("real", Integer.class)).contains(2);
        }
    }

    @Test
    @DisplayName("a file where the store folder, or a namespace folder, belongs is CORRUPT, not an empty store")
    void foreignFileWhereStoreBelongsIsCorrupt() throws IOException {
        Files.createDirectories(temp);
        Files.write(root(), new byte[0]);
        assertThatThrownBy(() -> Storage.open(uri()))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(root().toString());
        Files.delete(root());
        Files.createDirectories(root());
        Files.writeString(root().resolve(FileNames.ofNamespace("ns")), "not a folder");
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("'ns'");
        }
    }

    @Test
    @DisplayName("a zero-length document file is CORRUPT naming it")
    void emptyFileIsCorrupt() throws IOException {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", 1);
        }
        Files.write(fileOf("ns", "k"), new byte[0]);
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining(fileOf("ns", "k").toString())
                    .hasMessageContaining("empty");
        }
    }

    @Test
    @DisplayName("values at the engine's limits — 500 deep, 1,000-digit numbers, 50,000-character names — read back")
    void valuesAtTheLimitsReadBack() {
        StringBuilder deep = new StringBuilder();
        deep.append("[".repeat(500)).append("]".repeat(500));
        String number = "9".repeat(1_000);
        String name = "n".repeat(50_000);
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            store.set("deep", tools.jackson.databind.json.JsonMapper.shared().readTree(deep.toString()));
            store.set("number", new java.math.BigInteger(number));
            store.set("name", Map.of(name, 1));
        }
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            assertThat(store.get("deep").orElseThrow().toString()).isEqualTo(deep.toString());
            assertThat(store.get("number").orElseThrow().toString()).isEqualTo(number);
            assertThat(store.get("name").orElseThrow().has(name)).isTrue();
        }
    }

    @Test
    @DisplayName("a batch that fails on a full disk leaves every file as it was: nothing refused is on disk")
    void failedBatchLeavesNothing() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(temp.resolve("disk"), 2L << 20)) {
            Path store = disk.path().resolve("store");
            String pad = "\"" + "p".repeat(20_000) + "\"";
            JsonBackend backend = JsonBackend.open(store);
            try {
                List<Mutation> before = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    before.add(
                            Mutation.put("ns", Record.of("ns", "k" + i, 1, 0, "1".getBytes(StandardCharsets.UTF_8))));
                }
                backend.write(before).join();
                disk.fill();
                disk.free();
                // leave room for a few of the batch's files, not all: the failure comes in the middle of the batch
                try (var filler = java.nio.channels.FileChannel.open(
                        disk.path().resolve("filler"),
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    long usable = Files.getFileStore(disk.path()).getUsableSpace();
                    filler.write(java.nio.ByteBuffer.allocate((int) (usable - 5 * 24_576)));
                }
                List<Mutation> batch = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    batch.add(Mutation.put("ns", Record.of("ns", "k" + i, 2, 0, pad.getBytes(StandardCharsets.UTF_8))));
                    batch.add(
                            Mutation.put("ns", Record.of("ns", "new" + i, 1, 0, pad.getBytes(StandardCharsets.UTF_8))));
                }
                assertThatThrownBy(() -> backend.write(batch).join())
                        .hasCauseInstanceOf(io.github.datastore4j.api.BackendException.class)
                        .hasMessageContaining("No space left on device");
                for (int i = 0; i < 16; i++) {
                    assertThat(backend.read("ns", "k" + i).join().orElseThrow().rev())
                            .as("k" + i)
                            .isEqualTo(1);
                    assertThat(backend.read("ns", "new" + i).join())
                            .as("new" + i)
                            .isEmpty();
                }
            } finally {
                backend.close();
            }
        }
    }
}
