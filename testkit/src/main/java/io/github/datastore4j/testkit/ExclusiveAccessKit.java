package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of a backend that allows one process, and one storage, per store: a second opener gets
 * {@link LockedException} naming the store, in this process and in another, and the store opens again once closed.
 * Extend it with {@link #storageUri(Path)} and {@link #location(Path)}.
 */
public abstract class ExclusiveAccessKit {
    @TempDir
    protected Path directory;

    /** The URI of the store under test, kept under {@code directory}. */
    protected abstract String storageUri(Path directory);

    /** What a {@code LOCKED} message must name: the store's folder or file. */
    protected abstract Path location(Path directory);

    /** Whether the message also names the holder's pid; override when the backend can tell. */
    protected boolean namesHolderPid() {
        return false;
    }

    /** The holder this process must be reported as, or nothing when the backend cannot tell. */
    private String expectedHolder() {
        return namesHolderPid() ? "pid " + ProcessHandle.current().pid() : "";
    }

    @Test
    @DisplayName("a second storage on the same store in this process gets LOCKED; after close the store opens again")
    void lockedInProcess() {
        String uri = storageUri(directory);
        try (Storage first = Storage.open(uri)) {
            first.datastore("ns").set("k", 1);
            assertThatThrownBy(() -> Storage.open(uri))
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining(location(directory).toString())
                    .hasMessageContaining(expectedHolder());
        }
        try (Storage again = Storage.open(uri)) {
            assertThat(again.datastore("ns").get("k", Integer.class)).contains(1);
        }
    }

    @Test
    @DisplayName("a second process gets LOCKED naming the store")
    void lockedAcrossProcesses() throws Exception {
        String uri = storageUri(directory);
        try (Storage held = Storage.open(uri)) {
            held.datastore("ns").set("k", 1);
            assertThat(OpenProbe.tryOpenInChildJvm(uri))
                    .contains("LOCKED ")
                    .contains(location(directory).toString())
                    .contains(expectedHolder());
        }
    }

    @Test
    @DisplayName("a failed second open in this process does not let another process in, nor break the holder")
    void failedOpenKeepsTheLock() throws Exception {
        String uri = storageUri(directory);
        try (Storage held = Storage.open(uri)) {
            held.datastore("ns").set("k", 1);
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> Storage.open(uri)).isInstanceOf(LockedException.class);
            }
            assertThat(OpenProbe.tryOpenInChildJvm(uri))
                    .as("another process after failed opens in the holder's process")
                    .contains("LOCKED ")
                    .contains(location(directory).toString());
            held.datastore("ns").set("k", 2);
        }
        try (Storage again = Storage.open(uri)) {
            assertThat(again.datastore("ns").get("k", Integer.class)).contains(2);
        }
    }

    @Test
    @DisplayName("an open refused because another process holds the store takes nothing: once it is free this process"
            + " opens it, and keeps every other process out")
    void refusedOpenLeavesNothingBehind() throws Exception {
        String uri = storageUri(directory);
        try (Storage first = Storage.open(uri)) {
            first.datastore("ns").set("k", 1);
        }
        try (StoreHolder holder = StoreHolder.start(uri)) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> Storage.open(uri)).isInstanceOf(LockedException.class);
            }
            assertThat(descriptorsInto(location(directory)))
                    .as("file descriptors a refused open left open")
                    .isEmpty();
        }
        try (Storage mine = Storage.open(uri)) {
            mine.datastore("ns").set("k", 2);
            System.gc(); // a leaked descriptor closed by its cleaner would drop this process's lock
            assertThat(OpenProbe.tryOpenInChildJvm(uri))
                    .as("another process while this one holds the store")
                    .contains("LOCKED ");
            mine.datastore("ns").set("k", 3);
        }
        try (Storage again = Storage.open(uri)) {
            assertThat(again.datastore("ns").get("k", Integer.class)).contains(3);
        }
    }

    /** This process's open file descriptors on {@code location} or below it (Linux; empty elsewhere). */
    private static List<String> descriptorsInto(Path location) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        List<String> open = new ArrayList<>();
        if (!Files.isDirectory(fds)) {
            return open;
        }
        Path target = location.toAbsolutePath().normalize();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
            for (Path fd : entries) {
                try {
                    Path file = Files.readSymbolicLink(fd);
                    if (file.startsWith(target)) {
                        open.add(fd.getFileName() + " -> " + file);
                    }
                } catch (IOException gone) {
                    // closed while we listed
                }
            }
        }
        return open;
    }
}
