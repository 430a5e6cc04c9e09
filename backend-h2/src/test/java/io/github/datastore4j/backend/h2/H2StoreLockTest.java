package io.github.datastore4j.backend.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import io.github.datastore4j.testkit.OpenProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One storage per H2 database, whatever the URL and the process; a failed open leaves nothing held. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class H2StoreLockTest {
    private static final String THIS_PROCESS = "pid " + ProcessHandle.current().pid() + "@";

    @TempDir
    Path temp;

    @Nested
    @DisplayName("an embedded database file")
    class EmbeddedFile {
        @Test
        @DisplayName("reached through a file: JDBC URL while open here gets LOCKED naming the file and this process")
        void otherUrlInThisProcess() {
            try (Storage first = Storage.open("h2:" + temp.resolve("db"))) {
                first.datastore("ns").set("k", 1);
                assertThatThrownBy(() -> Storage.open("h2:jdbc:h2:file:" + temp.resolve("db")))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining(temp.resolve("db").toString())
                        .hasMessageContaining(THIS_PROCESS);
            }
        }

        @Test
        @DisplayName("reached through a symbolic link while open here gets LOCKED naming this process")
        void symbolicLinkInThisProcess() throws Exception {
            Files.createDirectories(temp.resolve("real"));
            Files.createSymbolicLink(temp.resolve("link"), temp.resolve("real"));
            try (Storage first = Storage.open("h2:" + temp.resolve("real").resolve("db"))) {
                first.datastore("ns").set("k", 1);
                assertThatThrownBy(
                                () -> Storage.open("h2:" + temp.resolve("link").resolve("db")))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining(THIS_PROCESS);
            }
        }

        @Test
        @DisplayName(
                "a failed open releases what it took: once the holder closes, another process and this one open it")
        void failedOpenReleasesEverything() throws Exception {
            String uri = "h2:" + temp.resolve("real").resolve("db");
            String viaLink = "h2:" + temp.resolve("link").resolve("db");
            Files.createDirectories(temp.resolve("real"));
            Files.createSymbolicLink(temp.resolve("link"), temp.resolve("real"));
            try (Storage first = Storage.open(uri)) {
                first.datastore("ns").set("k", 1);
                // gets past this process's registry (another key) and fails at H2 or at the row lock
                assertThatThrownBy(() -> Storage.open(viaLink)).isInstanceOf(LockedException.class);
            }
            // a connection left open by the failed attempt would keep the file open in this JVM: LOCKED for others
            assertThat(OpenProbe.tryOpenInChildJvm(uri)).contains("OPENED");
            try (Storage again = Storage.open(viaLink)) {
                assertThat(again.datastore("ns").get("k", Integer.class)).contains(1);
            }
        }
    }

    @Nested
    @DisplayName("a database of an H2 server")
    class ServerDatabase {
        private Server server;
        private String uri;
        private String otherUri;

        @BeforeEach
        void startServer() throws Exception {
            // localhost only (no -tcpAllowOthers), a free port, databases created on first connection
            server = Server.createTcpServer(
                            "-tcpPort", "0", "-baseDir", temp.resolve("server").toString(), "-ifNotExists")
                    .start();
            uri = "h2:jdbc:h2:tcp://localhost:" + server.getPort() + "/db";
            otherUri = "h2:jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/db";
        }

        @AfterEach
        void stopServer() {
            server.stop();
        }

        @Test
        @DisplayName("a second engine in this process, through another URL, gets LOCKED naming the database and holder")
        void secondEngineInThisProcess() {
            try (Storage first = Storage.open(uri)) {
                first.datastore("ns").increment("counter", 1);
                assertThatThrownBy(() -> Storage.open(otherUri))
                        .isInstanceOfSatisfying(
                                LockedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCKED))
                        .hasMessageContaining("tcp://127.0.0.1:" + server.getPort() + "/db")
                        .hasMessageContaining(THIS_PROCESS);
            }
            try (Storage again = Storage.open(otherUri)) {
                assertThat(again.datastore("ns").get("counter", Long.class)).contains(1L);
            }
        }

        @Test
        @DisplayName("an engine in another process gets LOCKED naming this process as the holder")
        void secondEngineInAnotherProcess() throws Exception {
            try (Storage held = Storage.open(uri)) {
                held.datastore("ns").set("k", 1);
                assertThat(OpenProbe.tryOpenInChildJvm(uri)).contains("LOCKED ").contains(THIS_PROCESS);
            }
            assertThat(OpenProbe.tryOpenInChildJvm(uri)).contains("OPENED");
        }

        @Test
        @DisplayName("a holder killed with SIGKILL does not lock the store: the server drops its session and its lock")
        void killedHolderReleases() throws Exception {
            Process holder = ChildJvm.of(HoldOpen.class, uri)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(lines.readLine()).isEqualTo("open");
                assertThatThrownBy(() -> Storage.open(uri))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining("pid " + holder.pid() + "@");
                holder.toHandle().destroyForcibly();
                assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("ns");
                assertThat(store.get("held", Boolean.class)).contains(true);
            }
        }
    }
}
