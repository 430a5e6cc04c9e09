package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator and five workers sharing one namespace: the coordinator publishes a job, each worker claims a slot,
 * does its work and increments {@code completed}; the coordinator blocks until all five are done — no polling.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.WorkerSwarm [storage-uri]} (default {@code memory:}): the
 * coordinator and the workers as threads of one JVM.
 *
 * <p>On a store that processes share ({@code postgres:}), the same swarm runs as separate JVMs, one role each (see
 * {@link SwarmProcess}):
 *
 * <pre>{@code
 * java … WorkerSwarm <storage-uri> coordinator <workers>   # publishes the job, waits for the workers
 * java … WorkerSwarm <storage-uri> worker <id>             # waits for the job, claims chapters, reports
 * }</pre>
 */
public final class WorkerSwarm {
    private static final int WORKERS = 5;

    private WorkerSwarm() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 1) {
            runRole(args);
            return;
        }
        String uri = args.length > 0 ? args[0] : "memory:";
        Instant started = Instant.now();
        try (Storage storage = Storage.open(uri)) {
            say("opened " + storage.uri() + " on the " + pathKind() + " (durability " + storage.durability()
                    + "; backends found: " + Storage.availableSchemes() + ")");
            Datastore job = storage.datastore("swarm_job_123");
            job.clear();
            job.set("task", "count the words of five chapters");
            job.set("completed", 0);
            job.set("status", "running");
            say("coordinator: job published, waiting for " + WORKERS + " workers");

            List<Thread> workers = new ArrayList<>();
            for (int i = 1; i <= WORKERS; i++) {
                int worker = i;
                Thread thread = new Thread(() -> work(job, worker), "worker-" + worker);
                workers.add(thread);
                thread.start();
            }

            Document done = job.awaitValue("completed", WORKERS, Duration.ofSeconds(30));
            job.set("status", "done");
            for (Thread worker : workers) {
                worker.join();
            }
            say("coordinator: all " + done.value().asInt() + " workers finished (rev " + done.rev()
                    + " of 'completed')");
            say("coordinator: claims " + job.get("claims").orElseThrow());
            say("coordinator: total words " + job.get("words").orElseThrow());
            if (job.get("completed", Integer.class).orElse(0) != WORKERS) {
                throw new IllegalStateException("expected " + WORKERS + " completions");
            }
        }
        say("swarm finished in " + Duration.between(started, Instant.now()).toMillis() + " ms");
    }

    private static void runRole(String[] args) {
        String usage = "usage: WorkerSwarm [storage-uri] | WorkerSwarm <storage-uri> coordinator <workers>"
                + " | WorkerSwarm <storage-uri> worker <id>";
        if (args.length != 3) {
            throw new IllegalArgumentException(usage + "; got " + args.length + " arguments");
        }
        int number;
        try {
            number = Integer.parseInt(args[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage + "; '" + args[2] + "' is not a number", e);
        }
        switch (args[1]) {
            case "coordinator" -> SwarmProcess.coordinate(args[0], number);
            case "worker" -> SwarmProcess.work(args[0], number);
            default -> throw new IllegalArgumentException(usage + "; unknown role '" + args[1] + "'");
        }
    }

    private static void work(Datastore job, int worker) {
        String task = job.get("task", String.class).orElseThrow();
        int position = job.push("claims", "worker-" + worker);
        int words = 1_000 * worker;
        say("worker " + worker + ": claimed position " + position + " of '" + task + "', counted " + words + " words");
        job.increment("words", words);
        long completed = job.increment("completed", 1);
        say("worker " + worker + ": done, completed = " + completed);
    }

    /** Whether this example runs as a named module (module path) or from the class path. */
    static String pathKind() {
        return WorkerSwarm.class.getModule().isNamed() ? "module path" : "class path";
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
        }
    }
}
