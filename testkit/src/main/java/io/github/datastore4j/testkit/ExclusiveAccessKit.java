package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import java.nio.file.Path;
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
}
