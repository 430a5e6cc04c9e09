package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * The worker swarm, literally: a coordinator process spawns five worker processes (JVMs) on one store file; each
 * worker waits for the job, increments {@code worker_count}, pushes its result and increments {@code completed}; the
 * coordinator's {@code awaitValue("completed", 5, …)} is woken by the workers' writes in the other processes and
 * prints what they collected. No server, no polling of the data: {@code sqlite:} tells every process of the others'
 * commits.
 *
 * <pre>{@code
 * java … ProcessSwarm                          # sqlite:./process-swarm.db, 5 workers
 * java … ProcessSwarm sqlite:/tmp/swarm.db 8   # any shared store, any number of workers
 * }</pre>
 *
 * <p>The workers are started with this JVM's {@code java}, its class path or module path, and its {@code
 * --enable-native-access} and {@code -Xmx} options; they print to this process's output. A worker that fails, or a
 * wait that runs out, ends the coordinator with an exception (exit status 1).
 */
public final class ProcessSwarm {
    static final String NAMESPACE = "process_swarm";
    private static final int DEFAULT_WORKERS = 5;
    private static final Duration WAIT = Duration.ofMinutes(2);

    private ProcessSwarm() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 3 && args[1].equals("worker")) {
            work(args[0], Integer.parseInt(args[2]));
            return;
        }
        if (args.length > 2) {
            throw new IllegalArgumentException("usage: ProcessSwarm [storage-uri] [workers]; got " + args.length
                    + " arguments: " + Arrays.toString(args));
        }
        String uri = args.length > 0 ? args[0] : "sqlite:./process-swarm.db";
        int workers = args.length > 1 ? parseWorkers(args[1]) : DEFAULT_WORKERS;
        coordinate(uri, workers);
    }

    private static int parseWorkers(String text) {
        try {
            int workers = Integer.parseInt(text);
            if (workers < 1) {
                throw new IllegalArgumentException("a swarm needs at least one worker, got " + workers);
            }
            return workers;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("workers: '" + text + "' is not a number", e);
        }
    }

    static void coordinate(String uri, int workers) throws IOException, InterruptedException {
        Instant started = Instant.now();
        try (Storage storage = Storage.open(uri)) {
            say("coordinator (pid " + ProcessHandle.current().pid() + "): opened " + storage.uri() + " on the "
                    + WorkerSwarm.pathKind());
            Datastore job = storage.datastore(NAMESPACE);
            job.clear();
            job.set("worker_count", 0);
            job.set("completed", 0);

            List<Process> children = new ArrayList<>();
            for (int worker = 1; worker <= workers; worker++) {
                children.add(spawnWorker(uri, worker));
            }
            say("coordinator: spawned " + workers + " worker processes; publishing the job");
            job.set("task", "count the words of " + workers + " chapters");
            job.set("status", "running"); // the workers wait for it

            Document done = job.awaitValue("completed", workers, WAIT); // woken by the workers' increments
            say("coordinator: woken: completed = " + done.value().asInt() + " (rev " + done.rev() + ")");
            job.set("status", "done");

            for (Process child : children) {
                if (!child.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    child.destroyForcibly();
                    throw new IllegalStateException("worker process " + child.pid() + " did not exit within " + WAIT);
                }
                if (child.exitValue() != 0) {
                    throw new IllegalStateException(
                            "worker process " + child.pid() + " failed with exit status " + child.exitValue());
                }
            }
            JsonNode results = job.getLatest("results").orElseThrow().value();
            long workerCount =
                    job.getLatest("worker_count").orElseThrow().value().asLong();
            long words = 0;
            for (JsonNode result : results) {
                say("coordinator: result " + result);
                words += result.get("words").asLong();
            }
            if (workerCount != workers || results.size() != workers) {
                throw new IllegalStateException("expected " + workers + " workers and results, got worker_count = "
                        + workerCount + " and " + results.size() + " results: " + results);
            }
            say("coordinator: " + workerCount + " workers, " + results.size() + " results, " + words
                    + " words in all; swarm finished in "
                    + Duration.between(started, Instant.now()).toMillis()
                    + " ms");
        }
    }

    private static void work(String uri, int worker) {
        long pid = ProcessHandle.current().pid();
        try (Storage storage = Storage.open(uri)) {
            Datastore job = storage.datastore(NAMESPACE);
            job.awaitValue("status", "running", WAIT); // woken by the coordinator's write in another process
            String task = job.getLatest("task").orElseThrow().value().asString();
            long arrived = job.increment("worker_count", 1);
            int words = 1_000 + 100 * worker;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("worker", worker);
            result.put("pid", pid);
            result.put("words", words);
            job.push("results", result);
            long completed = job.increment("completed", 1);
            say("worker " + worker + " (pid " + pid + "): '" + task + "': arrived " + arrived + ", counted " + words
                    + " words; completed = " + completed);
        }
    }

    private static Process spawnWorker(String uri, int worker) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ProcessHandle.current().info().arguments().orElse(new String[0])) {
            if (argument.startsWith("--enable-native-access") || argument.startsWith("-Xmx")) {
                command.add(argument);
            }
        }
        if (ProcessSwarm.class.getModule().isNamed()) {
            command.addAll(List.of(
                    "--module-path",
                    System.getProperty("jdk.module.path"),
                    "--module",
                    ProcessSwarm.class.getModule().getName() + "/" + ProcessSwarm.class.getName()));
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProcessSwarm.class.getName()));
        }
        command.addAll(List.of(uri, "worker", Integer.toString(worker)));
        // same working directory: a relative store path names the same file in every worker
        return new ProcessBuilder(command).inheritIO().start();
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
