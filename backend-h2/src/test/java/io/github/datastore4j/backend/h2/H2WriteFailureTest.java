package io.github.datastore4j.backend.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the file system refuses fails with its root cause; H2 closes the database then, so every later call of that
 * storage fails naming the cause; reopened once the cause is gone, the store holds every acknowledged write and none
 * of the refused ones, and writes again: on an injected I/O error and on a real full disk (a small tmpfs).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class H2WriteFailureTest {
    @TempDir
    Path temp;

    @BeforeAll
    static void registerFaultyFileSystem() {
        FaultyFilePath.register();
    }

    @AfterEach
    void healFileSystem() {
        FaultyFilePath.failWrites(false);
    }

    @Test
    @DisplayName("an I/O error fails the write and every later one naming it; reopened, the store has no refused value")
    void injectedWriteFailure() {
        String uri = "h2:jdbc:h2:faulty:" + temp.resolve("db");
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("ns");
            store.set("before", 1);
            FaultyFilePath.failWrites(true);
            assertThatThrownBy(() -> store.set("refused", 2))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("Input/output error")
                    .hasMessageContaining(temp.resolve("db").toString());
            FaultyFilePath.failWrites(false);
            assertThatThrownBy(() -> store.set("later", 3))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BACKEND))
                    .hasMessageContaining("closed by H2 after a failed write")
                    .hasMessageContaining("Input/output error");
            assertThat(store.get("refused")).isEmpty();
        }
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("ns");
            assertThat(store.get("before", Integer.class)).contains(1);
            assertThat(store.get("refused")).isEmpty();
            assertThat(store.get("later")).isEmpty();
            store.set("after", 4);
        }
        try (Storage storage = Storage.open(uri)) {
            assertThat(storage.datastore("ns").get("after", Integer.class)).contains(4);
        }
    }

    @Test
    @DisplayName(
            "on a full disk a write fails naming 'No space left on device' and the file; reopened, the store writes")
    void fullDisk() throws Exception {
        Path disk = temp.resolve("small");
        Files.createDirectories(disk);
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk.toString()), "mount -t tmpfs failed");
        try {
            Path filler = disk.resolve("filler");
            Files.write(filler, new byte[1024 * 1024]);
            String uri = "h2:" + disk.resolve("db");
            String value = "x".repeat(40_000);
            List<Integer> acknowledged = new ArrayList<>();
            int refused = -1;
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("ns");
                for (int i = 0; refused < 0; i++) {
                    assertThat(i).as("writes before the disk filled up").isLessThan(10_000);
                    try {
                        store.set("k" + i, value + i);
                        acknowledged.add(i);
                    } catch (DatastoreException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.BACKEND);
                        assertThat(e.getMessage())
                                .contains("No space left on device")
                                .contains(disk.resolve("db.mv.db").toString());
                        refused = i;
                    }
                }
                assertThat(store.get("k" + refused)).isEmpty();
                Files.delete(filler);
                assertThatThrownBy(() -> store.set("after", 1)).hasMessageContaining("No space left on device");
            }
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("ns");
                for (int i : acknowledged) {
                    assertThat(store.get("k" + i, String.class)).contains(value + i);
                }
                assertThat(store.get("k" + refused)).isEmpty();
                assertThat(store.get("after")).isEmpty();
                store.set("after", 1);
            }
            try (Storage storage = Storage.open(uri)) {
                assertThat(storage.datastore("ns").get("after", Integer.class)).contains(1);
            }
        } finally {
            run("umount", disk.toString());
        }
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).inheritIO().start();
        return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    }
}
