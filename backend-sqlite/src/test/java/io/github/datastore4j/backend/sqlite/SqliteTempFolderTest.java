package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import sqliteapp.StoreUser;

/**
 * A JVM that uses {@code sqlite:} leaves nothing in {@code java.io.tmpdir}, whether it exits or is killed with {@code
 * kill -9} ({@link NativeLibrary}); the control run shows what sqlite-jdbc leaves there on its own.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteTempFolderTest {
    @TempDir
    Path directory;

    private List<String> left(Path tmp) throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    private Process start(Path tmp, List<String> flags, String... args) throws Exception {
        List<String> jvm = new java.util.ArrayList<>(List.of("-Djava.io.tmpdir=" + tmp));
        jvm.addAll(flags);
        return new ProcessBuilder(ChildProcesses.onClassPath(jvm, StoreUser.class, args))
                .redirectErrorStream(true)
                .start();
    }

    @Test
    @DisplayName("a JVM that exits leaves nothing in its fresh java.io.tmpdir")
    void exitLeavesNothing() throws Exception {
        Path tmp = Files.createDirectory(directory.resolve("tmp"));
        Process child = start(tmp, List.of(), "sqlite:" + directory.resolve("store.db"), "5");
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(left(tmp)).isEmpty();
    }

    @Test
    @DisplayName("a JVM killed with kill -9 mid-write leaves nothing in its fresh java.io.tmpdir")
    void killLeavesNothing() throws Exception {
        Path tmp = Files.createDirectory(directory.resolve("tmp"));
        Process child = start(tmp, List.of(), "sqlite:" + directory.resolve("store.db"), "5", "wait");
        awaitReady(child);
        child.toHandle().destroyForcibly();
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(left(tmp)).isEmpty();
    }

    @Test
    @DisplayName("control: with the driver left to extract its library itself, kill -9 leaves it in java.io.tmpdir")
    void driverAloneLittersOnKill() throws Exception {
        Path tmp = Files.createDirectory(directory.resolve("tmp"));
        // a library path that names a missing file: the driver ignores it and extracts as it always does
        Process child = start(
                tmp,
                List.of("-D" + NativeLibrary.LIB_PATH + "=" + directory.resolve("none")),
                "sqlite:" + directory.resolve("store.db"),
                "5",
                "wait");
        awaitReady(child);
        child.toHandle().destroyForcibly();
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(left(tmp)).anyMatch(name -> name.startsWith("sqlite-") && name.endsWith(".so"));
    }

    private static void awaitReady(Process child) throws Exception {
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.equals("ready")) {
                return;
            }
        }
        throw new AssertionError("child ended without printing ready:\n" + seen);
    }
}
