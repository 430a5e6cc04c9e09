package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import sqliteapp.StoreUser;

/**
 * {@code Storage.open("sqlite:…")} finds the backend in a real JVM on the class path ({@code META-INF/services}) and on
 * the module path ({@code provides} in module-info, sqlite-jdbc's native library loaded from a named module) —
 * Surefire's own module patching would hide a graph error, so each runs as a plain {@code java} command.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteDiscoveryTest {
    @TempDir
    Path directory;

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue())
                .as("exit status; output:%n%s%ncommand: %s", output, command)
                .isZero();
        return output;
    }

    @Test
    @DisplayName("on the class path, Storage.open finds sqlite: through META-INF/services")
    void classPath() throws Exception {
        String output = run(ChildProcesses.onClassPath(List.of(), StoreUser.class, TestStores.uri(directory), "3"));
        assertThat(output).contains("value 3").contains("unnamed module");
    }

    @Test
    @DisplayName("on the module path, Storage.open finds sqlite: through module-info's provides, without warnings")
    void modulePath() throws Exception {
        String output = run(ChildProcesses.onModulePath(StoreUser.class, TestStores.uri(directory), "3"));
        assertThat(output).contains("value 3").contains("module io.github.datastore4j.engine");
        assertThat(output).doesNotContain("WARNING");
    }
}
