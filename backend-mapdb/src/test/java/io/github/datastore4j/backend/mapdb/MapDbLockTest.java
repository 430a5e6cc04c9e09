package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import io.github.datastore4j.testkit.OpenProbe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One store, one holder, in every mix of processes and failed opens: a holder in another process or in this one, a
 * failed opener in this process or another, and a third process that must be kept out. POSIX drops all of a
 * process's {@code fcntl} locks on a file when any descriptor of it closes, so a failed open that leaves a descriptor
 * behind (or closes one) would let the third process in.
 */
class MapDbLockTest {
    private static final long OURS = ProcessHandle.current().pid();

    @TempDir
    Path directory;

    private Holder holder;

    private String uri() {
        return "mapdb:" + directory.resolve("app.mapdb");
    }

    @AfterEach
    void releaseHolder() throws Exception {
        if (holder != null) {
            holder.close();
        }
    }

    @Test
    @DisplayName("an open that fails because another process holds the store leaves no descriptor of its files open")
    void failedOpenReleasesItsDescriptors() throws Exception {
        assumeThat(Path.of("/proc/self/fd")).isDirectory();
        holder = Holder.start(uri());
        assertThatThrownBy(() -> Storage.open(uri()))
                .isInstanceOf(LockedException.class)
                .hasMessageContaining(directory.resolve("app.mapdb").toString())
                .hasMessageContaining("pid " + holder.pid());
        assertThat(descriptorsUnder(directory)).isEmpty();
    }

    @Test
    @DisplayName("after a failed open, the storage this process opens later still keeps a third process out")
    void failedOpenDoesNotWeakenALaterOpen() throws Exception {
        holder = Holder.start(uri());
        assertThatThrownBy(() -> Storage.open(uri())).isInstanceOf(LockedException.class);
        holder.close();
        holder = null;
        try (Storage storage = Storage.open(uri())) {
            collectGarbage(); // a descriptor the failed open left behind would be closed now
            assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("LOCKED ").contains("pid " + OURS);
            for (int i = 0; i < 200; i++) {
                storage.datastore("ns").set("k" + i, i);
            }
            assertThatThrownBy(() -> Storage.open(uri()))
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining("pid " + OURS);
        }
        try (Storage storage = Storage.open(uri())) {
            for (int i = 0; i < 200; i++) {
                assertThat(storage.datastore("ns").get("k" + i, Integer.class)).contains(i);
            }
        }
    }

    @Test
    @DisplayName("a second open in the holding process fails and leaves the first one's lock in force")
    void failedSecondOpenInProcessKeepsTheLock() throws Exception {
        try (Storage first = Storage.open(uri())) {
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> Storage.open(uri()))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining(directory.resolve("app.mapdb").toString())
                        .hasMessageContaining("pid " + OURS);
            }
            collectGarbage();
            assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("LOCKED ").contains("pid " + OURS);
            first.datastore("ns").set("k", 1);
        }
        assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("OPENED");
    }

    @Test
    @DisplayName("processes that fail to open name the holder, and the store opens once the holder closed it")
    void failedOpenersInOtherProcessesNameTheHolder() throws Exception {
        holder = Holder.start(uri());
        assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("LOCKED ").contains("pid " + holder.pid());
        assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("LOCKED ").contains("pid " + holder.pid());
        assertThatThrownBy(() -> Storage.open(uri()))
                .isInstanceOf(LockedException.class)
                .hasMessageContaining("pid " + holder.pid());
        holder.close();
        holder = null;
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns").get("held", Long.class)).isPresent();
            assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("LOCKED ").contains("pid " + OURS);
        }
        assertThat(OpenProbe.tryOpenInChildJvm(uri())).contains("OPENED");
    }

    @Test
    @DisplayName("a store reached through a symbolic link is the same store: the second opener gets LOCKED")
    void symbolicLinkFindsTheSameLock() throws Exception {
        Path link = Files.createSymbolicLink(directory.resolve("link.mapdb"), directory.resolve("app.mapdb"));
        try (Storage first = Storage.open(uri())) {
            first.datastore("ns").set("k", 1);
            assertThatThrownBy(() -> Storage.open("mapdb:" + link))
                    .isInstanceOf(LockedException.class)
                    .hasMessageContaining("pid " + OURS);
            assertThat(OpenProbe.tryOpenInChildJvm("mapdb:" + link))
                    .contains("LOCKED ")
                    .contains("pid " + OURS);
        }
        try (Storage again = Storage.open("mapdb:" + link)) {
            assertThat(again.datastore("ns").get("k", Integer.class)).contains(1);
        }
    }

    private static void collectGarbage() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    /** The descriptors of this process that point at files under {@code folder}. */
    private static List<Path> descriptorsUnder(Path folder) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.flatMap(fd -> {
                        try {
                            return Stream.of(Files.readSymbolicLink(fd));
                        } catch (IOException | UncheckedIOException e) {
                            return Stream.empty(); // closed meanwhile, or the directory stream itself
                        }
                    })
                    .filter(target -> target.startsWith(folder))
                    .toList();
        }
    }

    /** A child JVM holding the store until closed. */
    private record Holder(Process process, BufferedReader output, Writer input) implements AutoCloseable {
        static Holder start(String uri) throws IOException {
            Process process = ChildJvm.of(StoreHolder.class, uri)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            BufferedReader output =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = output.readLine();
            assertThat(line).as("the holder's first line").isEqualTo("open");
            return new Holder(process, output, process.outputWriter(StandardCharsets.UTF_8));
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() throws Exception {
            input.write("close\n");
            input.flush();
            assertThat(output.readLine()).isEqualTo("closed");
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }
}
