package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Storage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@link ProcessSwarm} from the class path, as a user runs it: the coordinator JVM spawns five worker JVMs on one
 * {@code sqlite:} file; every worker is a process of its own, arrives once and reports once, and the coordinator is
 * woken by their writes. (The build also runs it from the module path at {@code verify}.)
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ProcessSwarmTest {
    private static final Pattern WORKER = Pattern.compile("worker (\\d+) \\(pid (\\d+)\\):");

    @TempDir
    Path folder;

    @Test
    void fiveWorkerProcessesReportToTheCoordinator() throws IOException, InterruptedException {
        String uri = "sqlite:" + folder.resolve("swarm.db");
        String classPath =
                TestClassPath.entries().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx128m",
                "-cp",
                classPath,
                ProcessSwarm.class.getName(),
                uri,
                "5"));
        Path output = folder.resolve("output.txt");
        Process coordinator = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        assertThat(coordinator.waitFor(3, TimeUnit.MINUTES))
                .as("the swarm finished")
                .isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(coordinator.exitValue()).as(printed).isZero();

        long coordinatorPid = coordinator.pid();
        Set<String> workers = new HashSet<>();
        Set<String> pids = new HashSet<>();
        Matcher matcher = WORKER.matcher(printed);
        while (matcher.find()) {
            workers.add(matcher.group(1));
            pids.add(matcher.group(2));
        }
        assertThat(workers).as(printed).containsExactlyInAnyOrder("1", "2", "3", "4", "5");
        assertThat(pids)
                .as("one process per worker, none of them the coordinator")
                .hasSize(5)
                .doesNotContain(Long.toString(coordinatorPid));
        assertThat(printed).contains("coordinator: woken: completed = 5").contains("5 workers, 5 results");

        try (Storage storage = Storage.open(uri)) {
            var job = storage.datastore(ProcessSwarm.NAMESPACE);
            assertThat(job.get("worker_count", Integer.class)).contains(5);
            assertThat(job.get("completed", Integer.class)).contains(5);
            JsonNode results = job.get("results").orElseThrow();
            Set<Long> reported = new HashSet<>();
            results.forEach(result -> reported.add(result.get("pid").asLong()));
            assertThat(reported.stream().map(String::valueOf).collect(Collectors.toSet()))
                    .isEqualTo(pids);
        }
    }
}
