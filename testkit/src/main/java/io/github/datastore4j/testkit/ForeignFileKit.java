package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a file-based backend does with a file that is not its store where its store should be — empty (a crash of
 * whatever created it, a full disk), random bytes, another program's text: the open fails with
 * {@link CorruptDataException} naming the file, and the file is left exactly as it was. Never a new empty store
 * written over someone's data.
 *
 * <p>Extend it with {@link #storageUri(Path)} and {@link #storeFile(Path)}.
 */
public abstract class ForeignFileKit {
    @TempDir
    protected Path directory;

    /** The URI of a store kept under {@code directory}. */
    protected abstract String storageUri(Path directory);

    /** The file that backend keeps that store in. */
    protected abstract Path storeFile(Path directory);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"empty", "random bytes", "text"})
    @DisplayName("a foreign file where the store belongs is CORRUPT naming it, and is left untouched")
    void foreignFileIsCorrupt(String kind) throws Exception {
        Path file = storeFile(directory);
        Files.createDirectories(file.getParent());
        byte[] content =
                switch (kind) {
                    case "empty" -> new byte[0];
                    case "random bytes" -> {
                        byte[] bytes = new byte[64 * 1024];
                        new Random(42).nextBytes(bytes);
                        yield bytes;
                    }
                    default -> "name,email\nann,ann@example.com\n".getBytes(StandardCharsets.UTF_8);
                };
        Files.write(file, content);
        assertThatThrownBy(() -> {
                    try (Storage storage = Storage.open(storageUri(directory))) {
                        storage.datastore("ns").get("k");
                    }
                })
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(file.getFileName().toString());
        assertThat(Files.readAllBytes(file))
                .as("the foreign file after the refused open")
                .isEqualTo(content);
    }
}
