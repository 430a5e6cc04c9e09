package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sqlite:<file>} and its settings. */
class SqliteBackendProviderTest {
    @TempDir
    Path directory;

    @Test
    @DisplayName("a relative location is resolved against the working folder, an absolute one kept")
    void locations() {
        assertThat(SqliteBackendProvider.target("./app.db", StorageOptions.defaults())
                        .file())
                .isEqualTo(Path.of("app.db").toAbsolutePath().normalize());
        assertThat(SqliteBackendProvider.target("/var/lib/app/app.db", StorageOptions.defaults())
                        .file())
                .isEqualTo(Path.of("/var/lib/app/app.db"));
    }

    @Test
    @DisplayName("durability maps to synchronous: FULL by default, for sync and for interval; NORMAL for none")
    void durabilityMapsToSynchronous() {
        assertThat(target("").synchronous()).isEqualTo("FULL");
        assertThat(target("sync").synchronous()).isEqualTo("FULL");
        assertThat(target("interval").synchronous()).isEqualTo("FULL");
        assertThat(target("none").synchronous()).isEqualTo("NORMAL");
        assertThat(target("none").durable()).isFalse();
    }

    private static SqliteTarget target(String durability) {
        StorageOptions.Builder options = StorageOptions.builder();
        if (!durability.isEmpty()) {
            options.set("durability", durability);
        }
        return SqliteBackendProvider.target("./app.db", options.build());
    }

    @Test
    @DisplayName(
            "settings come from the URI: busyTimeout, feedRetention and deleteRetention; a bad one is INVALID_OPTION")
    void settings() {
        SqliteTarget target = SqliteBackendProvider.target(
                "./app.db", StorageOptions.fromQuery("busyTimeout=250ms&feedRetention=1m&deleteRetention=2h"));
        assertThat(target.busyTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(target.retention()).isEqualTo(new FeedRetention(Duration.ofMinutes(1), Duration.ofHours(2)));
        assertThatThrownBy(() -> SqliteBackendProvider.target("./app.db", StorageOptions.fromQuery("busyTimeout=soon")))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("busyTimeout")
                .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_OPTION));
    }

    @Test
    @DisplayName("sqlite: without a file is INVALID_OPTION with an example; the capabilities say shared and durable")
    void blankLocationAndCapabilities() {
        assertThatThrownBy(() -> Storage.open("sqlite:"))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("sqlite:./app.db");
        try (SqliteBackend backend = TestStores.open(TestStores.file(directory))) {
            assertThat(backend.capabilities().shared()).isTrue();
            assertThat(backend.capabilities().multiProcessSafe()).isTrue();
            assertThat(backend.capabilities().durableOnCommit()).isTrue();
            assertThat(backend.capabilities().orderedScan()).isTrue();
        }
    }
}
