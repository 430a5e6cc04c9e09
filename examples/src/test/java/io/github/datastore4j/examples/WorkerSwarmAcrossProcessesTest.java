package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WorkerSwarm}'s roles in separate JVMs on one PostgreSQL, as the README runs them: the workers start first and
 * wait for a job that does not exist yet, the coordinator publishes it and waits for them. The server is an embedded
 * PostgreSQL 17 (zonky; as root it runs inside {@code unshare -U}), or the one at {@code
 * DATASTORE4J_TEST_POSTGRES_URL} (a JDBC URL with credentials) when that is set; a server that does not start fails
 * the test.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WorkerSwarmAcrossProcessesTest {
    private static final String URL_VARIABLE = "DATASTORE4J_TEST_POSTGRES_URL";
    private static final int WORKERS = 3;
    private static final int CHAPTERS = 4 * WORKERS;
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final Pattern CLAIMED = Pattern.compile("worker (\\d+): claimed chapter (\\d+),");

    private static EmbeddedPostgres server;
    private static String jdbcUrl;
    private final List<Child> children = new ArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        String external = System.getenv(URL_VARIABLE);
        if (external != null && !external.isBlank()) {
            jdbcUrl = external;
            return;
        }
        long started = System.nanoTime();
        server = EmbeddedPostgres.builder()
                .setLocaleConfig("locale", "C.UTF-8")
                .setServerConfig("max_connections", "300")
                .start();
        jdbcUrl = server.getJdbcUrl("postgres", "postgres");
        System.out.printf(
                "embedded PostgreSQL started in %d ms on port %d%n",
                (System.nanoTime() - started) / 1_000_000, server.getPort());
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void stopChildren() {
        children.forEach(child -> child.process.destroyForcibly());
    }

    @Test
    @DisplayName("workers in three JVMs wait for a coordinator in a fourth, and each chapter is claimed by one of them")
    void swarmAcrossProcesses() throws Exception {
        String schema = "swarm_" + Long.toString(ProcessHandle.current().pid(), 36) + "_"
                + Long.toString(System.currentTimeMillis(), 36);
        String uri = "postgres:" + jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "schema=" + schema;

        List<Child> workers = new ArrayList<>();
        for (int w = 1; w <= WORKERS; w++) {
            workers.add(start("worker " + w, uri, "worker", Integer.toString(w)));
        }
        for (int w = 1; w <= WORKERS; w++) {
            workers.get(w - 1).awaitLine("worker " + w + ": opened"); // its store is open: it waits for the job
        }
        Child coordinator = start("coordinator", uri, "coordinator", Integer.toString(WORKERS));

        String said = String.join("\n", coordinator.awaitExit());
        assertThat(said)
                .contains("coordinator: woken: all " + WORKERS + " workers finished")
                .contains("coordinator: each of the " + CHAPTERS + " chapters claimed once");
        Map<Integer, Integer> claimerOfChapter = new TreeMap<>();
        for (int w = 1; w <= WORKERS; w++) {
            List<String> lines = workers.get(w - 1).awaitExit();
            assertThat(lines).anyMatch(line -> line.startsWith("worker ") && line.contains(": woken: job '"));
            for (String line : lines) {
                Matcher claimed = CLAIMED.matcher(line);
                if (claimed.lookingAt()) {
                    int chapter = Integer.parseInt(claimed.group(2));
                    assertThat(claimerOfChapter.put(chapter, w))
                            .as("the claimer of chapter " + chapter + " before worker " + w)
                            .isNull();
                }
            }
        }
        assertThat(claimerOfChapter.keySet())
                .as("chapters the workers say they claimed")
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, CHAPTERS).boxed().collect(Collectors.toList()));

        try (Storage storage = Storage.open(uri)) {
            Datastore job = storage.datastore(SwarmProcess.NAMESPACE);
            for (Map.Entry<Integer, Integer> claim : claimerOfChapter.entrySet()) {
                assertThat(job.getLatest("claim-" + claim.getKey())
                                .orElseThrow()
                                .value()
                                .asInt())
                        .as("the stored claimer of chapter " + claim.getKey())
                        .isEqualTo(claim.getValue());
            }
            assertThat(job.getLatest("claims").orElseThrow().value()).hasSize(CHAPTERS);
            assertThat(job.getLatest("status").orElseThrow().value().asString()).isEqualTo("done");
        }
    }

    /** {@code WorkerSwarm args…} in a child JVM on this JVM's class path. */
    private Child start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:TieredStopAtLevel=1"); // short-lived JVMs on a busy machine start faster without C2
        command.add("-cp");
        command.add(
                TestClassPath.entries().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.add(WorkerSwarm.class.getName());
        command.addAll(List.of(args));
        Child child = new Child(
                name, new ProcessBuilder(command).redirectErrorStream(true).start());
        children.add(child);
        return child;
    }

    /** A child JVM and its output, read line by line on a thread of its own so that every wait can be bounded. */
    private static final class Child {
        private static final String END = "\u0000end of output";
        final Process process;
        private final String name;
        private final List<String> output = new CopyOnWriteArrayList<>();
        private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
        private final Thread reader;

        Child(String name, Process process) {
            this.name = name;
            this.process = process;
            this.reader = new Thread(this::read, name + " output");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.add(line);
                    unread.add(line);
                }
            } catch (IOException e) {
                output.add("(reading the output failed: " + e + ")");
            } finally {
                unread.add(END);
            }
        }

        /** Returns once the child printed a line starting with {@code prefix}; fails if it ends or takes too long. */
        void awaitLine(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (; ; ) {
                String line = unread.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null || line.equals(END)) {
                    throw new AssertionError(name
                            + (line == null ? " printed nothing like '" : " ended without printing '") + prefix
                            + "' within " + WAIT + "; its output:\n" + String.join("\n", output));
                }
                if (line.startsWith(prefix)) {
                    return;
                }
            }
        }

        /** Waits for the child to exit with status 0 and returns its whole output. */
        List<String> awaitExit() throws InterruptedException {
            boolean exited = process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                reader.join(WAIT.toMillis()); // the rest of its output
            }
            String said = String.join("\n", output);
            assertThat(exited)
                    .as(name + " exits within " + WAIT + "; its output:\n" + said)
                    .isTrue();
            assertThat(process.exitValue())
                    .as(name + "'s exit status; its output:\n" + said)
                    .isZero();
            System.out.println(said);
            return output;
        }
    }
}
