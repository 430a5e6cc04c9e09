package io.github.datastore4j.cli;

import static io.github.datastore4j.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch} seeing another process's writes: that needs a store processes share, so one embedded PostgreSQL runs
 * for this class (the one-process stores lock out every other process while watch holds them).
 */
@DisplayName("watch")
class WatchIT {
    private static EmbeddedPostgres server;

    @TempDir
    Path folder;

    @BeforeAll
    static void startServer() throws IOException {
        server = EmbeddedPostgres.builder()
                .setLocaleConfig("locale", "C.UTF-8")
                .setServerConfig("max_connections", "50")
                .start();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static String uri(String schema) {
        return "postgres:" + server.getJdbcUrl("postgres", "postgres") + "&schema=" + schema;
    }

    @Test
    @DisplayName("prints a change another process writes, then stops after --count")
    void printsAnotherProcesssChange() throws Exception {
        String uri = uri("watch_put");
        run(folder, "-u", uri, "put", "jobs", "status", "\"waiting\"").succeeded();
        Process watch = watch(uri, 1);
        try {
            run(folder, "-u", uri, "put", "jobs", "status", "\"running\"").succeeded();
            assertThat(watch.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"key\":\"status\",\"rev\":2,\"schemaVersion\":0,\"value\":\"running\"}\n");
            assertThat(watch.exitValue()).isZero();
        } finally {
            watch.destroyForcibly();
        }
    }

    @Test
    @DisplayName("prints another process's delete as {\"key\":…,\"deleted\":true}")
    void printsAnotherProcesssDelete() throws Exception {
        String uri = uri("watch_delete");
        run(folder, "-u", uri, "put", "jobs", "status", "\"done\"").succeeded();
        Process watch = watch(uri, 1);
        try {
            run(folder, "-u", uri, "delete", "jobs", "status").succeeded();
            assertThat(watch.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"key\":\"status\",\"deleted\":true}\n");
            assertThat(watch.exitValue()).isZero();
        } finally {
            watch.destroyForcibly();
        }
    }

    @Test
    @DisplayName("prints another process's put and then a third process's delete, in order")
    void printsAPutThenADeleteFromOtherProcesses() throws Exception {
        String uri = uri("watch_both");
        run(folder, "-u", uri, "put", "jobs", "status", "\"waiting\"").succeeded();
        Process watch = watch(uri, 2);
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
            run(folder, "-u", uri, "put", "jobs", "status", "\"running\"").succeeded();
            assertThat(out.readLine())
                    .isEqualTo("{\"key\":\"status\",\"rev\":2,\"schemaVersion\":0,\"value\":\"running\"}");
            run(folder, "-u", uri, "delete", "jobs", "status").succeeded();
            assertThat(out.readLine()).isEqualTo("{\"key\":\"status\",\"deleted\":true}");
            assertThat(watch.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(watch.exitValue()).isZero();
        } finally {
            watch.destroyForcibly();
        }
    }

    /** Starts {@code watch} for {@code count} changes and returns once it says it is subscribed. */
    private Process watch(String uri, int count) throws IOException {
        Process watch = CliProcess.builder(
                        folder, "-u", uri, "watch", "jobs", "status", "--count", "" + count, "--timeout", "60s")
                .start();
        BufferedReader err = new BufferedReader(new InputStreamReader(watch.getErrorStream(), StandardCharsets.UTF_8));
        assertThat(err.readLine())
                .startsWith("watching key 'status' of namespace 'jobs'")
                .endsWith("at rev 1");
        CliProcess.drain(watch.getErrorStream()); // never let a full pipe block it
        return watch;
    }

    @Test
    @DisplayName("with --timeout alone ends quietly; with --count unmet by then it fails with TIMEOUT")
    void timeouts() {
        assertThat(run(folder, "-u", "json:./data", "watch", "jobs", "status", "--timeout", "300ms")
                        .succeeded()
                        .out())
                .isEmpty();
        CliProcess.Result result =
                run(folder, "-u", "json:./data", "watch", "jobs", "status", "--count", "1", "--timeout", "300ms");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("[TIMEOUT]").doesNotContain("\tat ");
    }
}
