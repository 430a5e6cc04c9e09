package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a real, small tmpfs that runs full again and again while the backend stays open: each round fills the
 * disk with a filler file (leaving a different sliver free each time), writes, frees the space and writes again. A
 * refused write must say why and where, must not show up later, and the backend must go on once space is back. Needs
 * root to mount; skipped (not failed) where mounting is impossible.
 */
class MapDbFullDiskTest {
    private static final String NS = "disk";

    @TempDir
    Path temp;

    private Path mount;
    private Backend backend;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        mount = Files.createDirectory(temp.resolve("tmpfs"));
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeThat(process.waitFor())
                .as("mount a 64 MB tmpfs (needs root): %s", output)
                .isZero();
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            if (backend != null) {
                backend.close();
            }
        } finally {
            if (mount != null) {
                new ProcessBuilder("umount", mount.toString())
                        .inheritIO()
                        .start()
                        .waitFor();
            }
        }
    }

    private Backend open() {
        return new MapDbBackendProvider().open(mount.resolve("app.mapdb").toString(), StorageOptions.defaults());
    }

    @Test
    @DisplayName("a write refused by a full disk names the cause and the file, never shows up, and the store goes on")
    void fullDiskRefusesCleanlyAndRecovers() throws Exception {
        backend = open();
        Map<String, byte[]> acked = new LinkedHashMap<>();
        Set<String> refused = new HashSet<>();
        int refusals = 0;
        for (int round = 0; round < 17; round++) {
            assertThat(write(batch("before-" + round, 24, 1500 + round * 97, acked.keySet())))
                    .as("round %d, before the disk is full", round)
                    .isNull();
            acked.putAll(lastBatch);
            Path filler = fill(round * 3 * 1024);
            RuntimeException failure = write(batch("full-" + round, 64, 2000, acked.keySet()));
            if (failure == null) {
                acked.putAll(lastBatch);
            } else {
                refusals++;
                assertThat(failure).isInstanceOf(BackendException.class);
                assertThat(failure.getMessage())
                        .as("round %d", round)
                        .containsIgnoringCase("no space left")
                        .contains(mount.resolve("app.mapdb").toString());
                for (String key : lastBatch.keySet()) {
                    if (!acked.containsKey(key)) {
                        refused.add(key);
                    }
                }
            }
            Files.delete(filler);
            assertThat(write(batch("after-" + round, 24, 1800, acked.keySet())))
                    .as("round %d, after space was freed", round)
                    .isNull();
            acked.putAll(lastBatch);
            assertStoreHolds(acked, refused, "round " + round + ", still open");
        }
        assertThat(refusals).as("writes refused by the full disk").isGreaterThan(8);
        backend.close();
        backend = open();
        assertStoreHolds(acked, refused, "after reopen");
    }

    private Map<String, byte[]> lastBatch;

    /** A batch of {@code count} new keys of {@code size} bytes, plus an overwrite of one key already stored. */
    private List<Mutation> batch(String prefix, int count, int size, Set<String> stored) {
        lastBatch = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[size];
            Arrays.fill(value, (byte) ('a' + i % 26));
            value[0] = '"';
            value[size - 1] = '"';
            lastBatch.put(prefix + "-" + i, value);
        }
        if (!stored.isEmpty()) {
            lastBatch.put(stored.iterator().next(), ("\"" + prefix + "\"").getBytes(StandardCharsets.UTF_8));
        }
        List<Mutation> batch = new ArrayList<>();
        lastBatch.forEach((key, value) -> batch.add(Mutation.put(NS, Record.of(NS, key, 1, 1, value))));
        return batch;
    }

    /** Null if the backend acknowledged the batch, else why it refused. */
    private RuntimeException write(List<Mutation> batch) {
        try {
            backend.write(batch).join();
            return null;
        } catch (CompletionException e) {
            return (RuntimeException) e.getCause();
        }
    }

    /** Fills the disk with a file until it is full, then frees {@code slack} bytes of it. */
    private Path fill(int slack) throws IOException {
        Path filler = mount.resolve("filler");
        byte[] chunk = new byte[4096];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("no space left");
        }
        try (var channel = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(Math.max(0, written - slack));
        }
        return filler;
    }

    private void assertStoreHolds(Map<String, byte[]> acked, Set<String> refused, String when) {
        for (Map.Entry<String, byte[]> entry : acked.entrySet()) {
            Optional<Record> record = backend.read(NS, entry.getKey()).join();
            assertThat(record).as("%s: key %s", when, entry.getKey()).isPresent();
            assertThat(record.get().value())
                    .as("%s: key %s", when, entry.getKey())
                    .isEqualTo(entry.getValue());
        }
        for (String key : refused) {
            assertThat(backend.read(NS, key).join())
                    .as("%s: refused key %s", when, key)
                    .isEmpty();
        }
    }
}
