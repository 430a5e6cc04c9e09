package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a kill leaves behind, made by hand: the store file as of one commit, the journal of the next one, and
 * the next one's pages written back only in part. Opening must finish a commit whose journal is whole and ignore one
 * whose journal is torn.
 */
class JournaledVolumeTest {
    private static final String NS = "ns";

    @TempDir
    Path directory;

    private Path file;
    private Path journal;
    private byte[] storeBefore;
    private byte[] journalOfNext;

    @BeforeEach
    void twoCommits() throws IOException {
        file = directory.resolve("app.mapdb");
        journal = JournaledVolume.journalOf(file);
        try (Backend backend = open()) {
            backend.write(batch("first", 200)).join();
            storeBefore = Files.readAllBytes(file);
            backend.write(batch("second", 200)).join();
            journalOfNext = Files.readAllBytes(journal); // spent (magic cleared), but whole
        }
        ByteBuffer.wrap(journalOfNext).putLong(0, JournaledVolume.MAGIC);
    }

    @Test
    @DisplayName("a commit whose journal is whole is finished on open, though the file got only part of it")
    void wholeJournalIsReplayed() throws IOException {
        Files.write(file, storeBefore);
        writeBackPart(journalOfNext, 2); // half of the next commit's pages reached the file
        Files.write(journal, journalOfNext);
        try (Backend backend = open()) {
            assertHolds(backend, "first", true);
            assertHolds(backend, "second", true);
            backend.write(batch("third", 200)).join();
        }
        assertThat(Files.size(journal)).as("journal after a clean close").isZero();
    }

    @Test
    @DisplayName("a commit whose journal is torn never happened: the file keeps the commit before it")
    void tornJournalIsIgnored() throws IOException {
        Files.write(file, storeBefore);
        journalOfNext[journalOfNext.length / 2] ^= 0x40;
        Files.write(journal, journalOfNext);
        try (Backend backend = open()) {
            assertHolds(backend, "first", true);
            assertHolds(backend, "second", false);
            backend.write(batch("third", 200)).join();
            assertHolds(backend, "third", true);
        }
    }

    private Backend open() {
        return new MapDbBackendProvider().open(file.toString(), StorageOptions.defaults());
    }

    /** Writes the first {@code 1/parts} of the journal's pages into the store file, as a kill mid write-back would. */
    private void writeBackPart(byte[] journalBytes, int parts) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(journalBytes);
        in.position(Long.BYTES + Long.BYTES);
        int count = in.getInt();
        int page = in.getInt();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int i = 0; i < count / parts; i++) {
                long at = in.getLong() * page;
                out.write(ByteBuffer.wrap(journalBytes, in.position(), page), at);
                in.position(in.position() + page);
            }
        }
    }

    private static List<Mutation> batch(String prefix, int count) {
        List<Mutation> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] value = ("\"" + prefix + " " + i + " " + "x".repeat(i) + "\"").getBytes(StandardCharsets.UTF_8);
            batch.add(Mutation.put(NS, Record.of(NS, prefix + i, 1, 1, value)));
        }
        return batch;
    }

    private static void assertHolds(Backend backend, String prefix, boolean present) {
        for (int i = 0; i < 200; i += 37) {
            assertThat(backend.read(NS, prefix + i).join())
                    .as(prefix + i)
                    .matches(found -> found.isPresent() == present);
        }
    }
}
