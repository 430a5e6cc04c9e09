package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.OpenProbe;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbBackendTest {
    @TempDir
    Path temp;

    private String uri() {
        return "mapdb:" + temp.resolve("app.mapdb");
    }

    @Test
    @DisplayName("a second storage on one file in this process gets LOCKED; after close it opens")
    void lockedInProcess() {
        try (Storage first = Storage.open(uri())) {
            first.datastore("ns").set("k", 1);
            assertThatThrownBy(() -> Storage.open(uri()))
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining(temp.resolve("app.mapdb").toString());
        }
        try (Storage again = Storage.open(uri())) {
            assertThat(again.datastore("ns").get("k", Integer.class)).contains(1);
        }
    }

    @Test
    @DisplayName("a second process gets LOCKED naming the file")
    void lockedAcrossProcesses() throws Exception {
        try (Storage held = Storage.open(uri())) {
            held.datastore("ns").set("k", 1);
            assertThat(OpenProbe.tryOpenInChildJvm(uri()))
                    .contains("LOCKED ")
                    .contains(temp.resolve("app.mapdb").toString());
        }
    }
}
