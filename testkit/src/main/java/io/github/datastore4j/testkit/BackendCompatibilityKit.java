package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The SPI contract every {@link Backend} keeps. Extend it and implement {@link #openBackend(Path)}; tests that need
 * persistence are skipped only when the backend's capabilities say it is not persistent.
 *
 * <pre>{@code
 * class MyBackendCompatibilityTest extends BackendCompatibilityKit {
 *     protected Backend openBackend(Path directory) {
 *         return new MyBackendProvider().open(directory.resolve("store").toString(), StorageOptions.defaults());
 *     }
 * }
 * }</pre>
 */
public abstract class BackendCompatibilityKit {
    /** Keys that break naive file or table mappings; every backend must store each under its own name. */
    public static final List<String> AWKWARD_KEYS = List.of(
            "../x",
            "../../etc/passwd",
            "a/b",
            "a\\b",
            "/absolute",
            "..",
            ".",
            "CON",
            "con",
            "NUL.txt",
            "Key",
            "key",
            "KEY",
            "trailing.",
            "trailing ",
            " leading",
            "with\u0000nul",
            "tab\there",
            "new\nline",
            "colon:star*?\"<>|",
            "%2e%2e%2f",
            "ünïcødé",
            "emoji\uD83D\uDE00",
            "x".repeat(1024));

    @TempDir
    protected Path directory;

    protected Backend backend;

    /**
     * Opens the backend under test, storing its data under {@code directory} (ignored by non-persistent backends).
     * Called again with the same directory to test persistence across reopen.
     */
    protected abstract Backend openBackend(Path directory);

    @BeforeEach
    void openTheBackend() {
        backend = openBackend(directory);
    }

    @AfterEach
    void closeTheBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    protected static Record record(String key, long rev, String json) {
        return Record.of("ns", key, rev, 0, json.getBytes(StandardCharsets.UTF_8));
    }

    protected void write(Mutation... mutations) {
        backend.write(List.of(mutations)).join();
    }

    protected Optional<Record> read(String namespace, String key) {
        return backend.read(namespace, key).join();
    }

    protected List<Record> scan(String namespace) {
        List<Record> records = new ArrayList<>();
        backend.scan(namespace, records::add).join();
        return records;
    }

    protected void reopen() {
        backend.close();
        backend = openBackend(directory);
    }

    @Nested
    @DisplayName("reading and writing single records")
    class Crud {
        @Test
        @DisplayName("a written record reads back equal, checksum and all")
        void writtenRecordReadsBack() {
            Record record = Record.of(
                    "users", "alice", 1, 0, "{\"email\":\"alice@example.com\"}".getBytes(StandardCharsets.UTF_8));
            write(Mutation.put("users", record));
            assertThat(read("users", "alice")).contains(record);
            assertThat(read("users", "alice").orElseThrow().checksumValid("users"))
                    .isTrue();
        }

        @Test
        @DisplayName("a missing key reads as empty")
        void missingKeyIsEmpty() {
            assertThat(read("users", "nobody")).isEmpty();
        }

        @Test
        @DisplayName("a second put replaces the first")
        void putReplaces() {
            write(Mutation.put("users", record("alice", 1, "1")));
            write(Mutation.put("users", record("alice", 2, "2")));
            assertThat(read("users", "alice").orElseThrow().rev()).isEqualTo(2);
        }

        @Test
        @DisplayName("a delete removes the record, and deleting a missing key is not an error")
        void deleteRemoves() {
            write(Mutation.put("users", record("alice", 1, "1")));
            write(Mutation.delete("users", "alice"));
            write(Mutation.delete("users", "never-existed"));
            assertThat(read("users", "alice")).isEmpty();
        }

        @Test
        @DisplayName("deleting from a namespace that never held a record is not an error")
        void deleteFromUnknownNamespace() {
            write(Mutation.delete("never-created", "k"));
            backend.write(List.of(Mutation.delete("never-created", "a"), Mutation.delete("never-created", "b")))
                    .join();
            assertThat(read("never-created", "k")).isEmpty();
            assertThat(backend.namespaces().join()).doesNotContain("never-created");
        }

        @Test
        @DisplayName("schema version and rev are kept exactly")
        void metadataKept() {
            Record record = Record.of("ns", "k", Long.MAX_VALUE - 1, 7, "true".getBytes(StandardCharsets.UTF_8));
            write(Mutation.put("ns", record));
            Record back = read("ns", "k").orElseThrow();
            assertThat(back.rev()).isEqualTo(Long.MAX_VALUE - 1);
            assertThat(back.schemaVersion()).isEqualTo(7);
        }

        @Test
        @DisplayName("document metadata round-trips byte for byte, by read and scan, and goes when overwritten without")
        void documentMetadataKept() {
            byte[] value = "{\"hp\":10,\"n\":1.10}".getBytes(StandardCharsets.UTF_8);
            byte[] metadata = "{\"owner\":\"ann\",\"tags\":[\"a\",\"é\"],\"at\":1.50}".getBytes(StandardCharsets.UTF_8);
            Record record = Record.of("ns", "k", 3, 2, value, metadata);
            write(Mutation.put("ns", record), Mutation.put("ns", record("plain", 1, "[]")));
            Record back = read("ns", "k").orElseThrow();
            assertThat(back).isEqualTo(record);
            assertThat(back.metadata()).isEqualTo(metadata);
            assertThat(back.value()).isEqualTo(value);
            assertThat(back.checksumValid("ns")).isTrue();
            assertThat(read("ns", "plain").orElseThrow().hasMetadata()).isFalse();
            List<Record> scanned = new ArrayList<>();
            backend.scan("ns", scanned::add).join();
            assertThat(scanned).contains(record);

            write(Mutation.put("ns", record("k", 4, "0")));
            Record overwritten = read("ns", "k").orElseThrow();
            assertThat(overwritten.hasMetadata()).isFalse();
            assertThat(overwritten.value()).isEqualTo("0".getBytes(StandardCharsets.UTF_8));
        }

        @Test
        @DisplayName("a record whose checksum does not match is stored and returned as given, for the engine to judge")
        void badChecksumReturnedVerbatim() {
            Record lying = new Record("k", 1, 0, 12345L, "{}".getBytes(StandardCharsets.UTF_8));
            write(Mutation.put("ns", lying));
            Record back = read("ns", "k").orElseThrow();
            assertThat(back.checksum()).isEqualTo(12345L);
            assertThat(back.checksumValid("ns")).isFalse();
        }

        @Test
        @DisplayName("a 4 MiB value round-trips byte for byte")
        void largeValueRoundTrips() {
            byte[] big = new byte[4 * 1024 * 1024];
            Arrays.fill(big, (byte) 'a');
            big[0] = '"';
            big[big.length - 1] = '"';
            write(Mutation.put("ns", Record.of("ns", "big", 1, 0, big)));
            assertThat(read("ns", "big").orElseThrow().value()).isEqualTo(big);
        }
    }

    @Nested
    @DisplayName("batches")
    class Batches {
        @Test
        @DisplayName("mutations of one batch apply in order: the last one for a key wins")
        void lastMutationWins() {
            write(
                    Mutation.put("ns", record("k", 1, "1")),
                    Mutation.put("ns", record("k", 2, "2")),
                    Mutation.delete("ns", "gone"),
                    Mutation.put("ns", record("gone", 1, "1")),
                    Mutation.put("ns", record("deleted", 1, "1")),
                    Mutation.delete("ns", "deleted"));
            assertThat(read("ns", "k").orElseThrow().rev()).isEqualTo(2);
            assertThat(read("ns", "gone")).isPresent();
            assertThat(read("ns", "deleted")).isEmpty();
        }

        @Test
        @DisplayName("one batch may span several namespaces")
        void batchAcrossNamespaces() {
            write(Mutation.put("a", record("k", 1, "\"a\"")), Mutation.put("b", record("k", 1, "\"b\"")));
            assertThat(new String(read("a", "k").orElseThrow().value(), StandardCharsets.UTF_8))
                    .isEqualTo("\"a\"");
            assertThat(new String(read("b", "k").orElseThrow().value(), StandardCharsets.UTF_8))
                    .isEqualTo("\"b\"");
        }

        @Test
        @DisplayName("a batch of 1,000 records is written whole")
        void largeBatch() {
            List<Mutation> batch = IntStream.range(0, 1000)
                    .mapToObj(i -> Mutation.put("ns", record(String.format("k%04d", i), 1, Integer.toString(i))))
                    .collect(Collectors.toList());
            backend.write(batch).join();
            assertThat(scan("ns")).hasSize(1000);
        }

        @Test
        @DisplayName("an empty batch is accepted")
        void emptyBatch() {
            backend.write(List.of()).join();
            assertThat(backend.namespaces().join()).isEmpty();
        }
    }

    @Nested
    @DisplayName("scans")
    class Scans {
        @Test
        @DisplayName("a scan returns every record of its namespace and none of another")
        void scanIsPerNamespace() {
            write(
                    Mutation.put("a", record("1", 1, "1")),
                    Mutation.put("a", record("2", 1, "2")),
                    Mutation.put("b", record("3", 1, "3")));
            assertThat(scan("a")).extracting(Record::key).containsExactlyInAnyOrder("1", "2");
            assertThat(scan("b")).extracting(Record::key).containsExactly("3");
            assertThat(scan("empty")).isEmpty();
        }

        @Test
        @DisplayName("a backend that promises ordered scans returns keys in key order")
        void orderedScan() {
            assumeTrue(backend.capabilities().orderedScan(), "backend does not promise ordered scans");
            write(
                    Mutation.put("ns", record("b", 1, "1")),
                    Mutation.put("ns", record("a", 1, "1")),
                    Mutation.put("ns", record("C", 1, "1")),
                    Mutation.put("ns", record("aa", 1, "1")));
            assertThat(scan("ns")).extracting(Record::key).containsExactly("C", "a", "aa", "b");
        }
    }

    @Nested
    @DisplayName("namespaces")
    class Namespaces {
        @Test
        @DisplayName("namespaces() lists the namespaces holding records")
        void listsNamespaces() {
            write(Mutation.put("users", record("a", 1, "1")), Mutation.put("jobs", record("b", 1, "1")));
            assertThat(backend.namespaces().join()).containsExactlyInAnyOrder("users", "jobs");
        }

        @Test
        @DisplayName("the same key in two namespaces holds two records")
        void keysAreScopedByNamespace() {
            write(Mutation.put("a", record("k", 1, "1")), Mutation.put("b", record("k", 5, "5")));
            write(Mutation.delete("a", "k"));
            assertThat(read("a", "k")).isEmpty();
            assertThat(read("b", "k").orElseThrow().rev()).isEqualTo(5);
        }

        @Test
        @DisplayName("namespace names that differ only in case are distinct")
        void namespacesAreCaseSensitive() {
            write(Mutation.put("Users", record("k", 1, "1")), Mutation.put("users", record("k", 2, "2")));
            assertThat(read("Users", "k").orElseThrow().rev()).isEqualTo(1);
            assertThat(read("users", "k").orElseThrow().rev()).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("awkward keys")
    class AwkwardKeys {
        @ParameterizedTest(name = "key {index}")
        @org.junit.jupiter.params.provider.MethodSource(
                "io.github.datastore4j.testkit.BackendCompatibilityKit#awkwardKeys")
        @DisplayName("each awkward key round-trips under its own name")
        void awkwardKeyRoundTrips(String key) {
            write(Mutation.put("ns", record(key, 1, "\"value\"")));
            assertThat(read("ns", key).orElseThrow().key()).isEqualTo(key);
            assertThat(scan("ns")).extracting(Record::key).containsExactly(key);
        }

        @Test
        @DisplayName("all awkward keys stored together stay distinct")
        void awkwardKeysStayDistinct() {
            List<Mutation> batch = new ArrayList<>();
            for (int i = 0; i < AWKWARD_KEYS.size(); i++) {
                batch.add(Mutation.put("ns", record(AWKWARD_KEYS.get(i), i + 1, Integer.toString(i))));
            }
            backend.write(batch).join();
            for (int i = 0; i < AWKWARD_KEYS.size(); i++) {
                assertThat(read("ns", AWKWARD_KEYS.get(i)).orElseThrow().rev())
                        .as("rev of key %d", i)
                        .isEqualTo(i + 1);
            }
            assertThat(scan("ns")).extracting(Record::key).containsExactlyInAnyOrderElementsOf(AWKWARD_KEYS);
        }
    }

    static List<String> awkwardKeys() {
        return AWKWARD_KEYS;
    }

    @Nested
    @DisplayName("persistence across reopen")
    class Persistence {
        @BeforeEach
        void onlyForPersistentBackends() {
            assumeTrue(backend.capabilities().persistent(), "backend is not persistent");
        }

        @Test
        @DisplayName("records written before close are there after reopen, and deletes stay deleted")
        void survivesReopen() {
            write(
                    Mutation.put("users", record("alice", 3, "{\"n\":1}")),
                    Mutation.put("users", record("bob", 1, "2")),
                    Mutation.put("jobs", record("j", 9, "[1,2]")));
            write(Mutation.delete("users", "bob"));
            reopen();
            assertThat(read("users", "alice").orElseThrow().rev()).isEqualTo(3);
            assertThat(read("users", "bob")).isEmpty();
            assertThat(scan("jobs")).hasSize(1);
            assertThat(backend.namespaces().join()).contains("users", "jobs");
        }

        @Test
        @DisplayName("awkward keys survive reopen")
        void awkwardKeysSurviveReopen() {
            List<Mutation> batch = new ArrayList<>();
            AWKWARD_KEYS.forEach(key -> batch.add(Mutation.put("ns", record(key, 1, "1"))));
            backend.write(batch).join();
            reopen();
            assertThat(scan("ns")).extracting(Record::key).containsExactlyInAnyOrderElementsOf(AWKWARD_KEYS);
        }
    }

    @Nested
    @DisplayName("after close")
    class AfterClose {
        @Test
        @DisplayName("close is idempotent and later calls fail rather than pretend")
        void callsAfterCloseFail() {
            backend.close();
            backend.close();
            assertThatThrownBy(() -> backend.read("ns", "k").join()).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> backend.write(List.of(Mutation.put("ns", record("k", 1, "1"))))
                            .join())
                    .isInstanceOf(RuntimeException.class);
            backend = null;
        }
    }
}
