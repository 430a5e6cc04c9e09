package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * One process of a {@link WorkerSwarm} spread over JVMs that share one store ({@code postgres:}): a coordinator
 * publishes a job of chapters and blocks until every worker reports; each worker blocks until the job is published,
 * claims chapters with {@code setOnce} until none is left and increments {@code completed}. Both waits are woken by a
 * write of another process, and no chapter is claimed twice, whichever process gets there first.
 *
 * <pre>{@code
 * java … WorkerSwarm 'postgres:jdbc:postgresql://localhost/app?user=me&schema=swarm' coordinator 3
 * java … WorkerSwarm 'postgres:jdbc:postgresql://localhost/app?user=me&schema=swarm' worker 1   # and 2, 3
 * }</pre>
 *
 * <p>Start them in any order. The keys: {@code status} ({@code running}, then {@code done}), {@code task}, {@code
 * chapters}, {@code claim-N} (the claimer of chapter N), {@code claims} (every claim, in order), {@code words} and
 * {@code completed} (the workers that found nothing left to claim). The coordinator clears the namespace first, so
 * start it again only once the previous run has finished. A failed check or a wait that runs out ends the process
 * with an exception (exit status 1).
 */
final class SwarmProcess {
    static final String NAMESPACE = "swarm_job_123";
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final int CHAPTERS_PER_WORKER = 4;

    private SwarmProcess() {}

    /** Publishes a job for {@code workers} workers in other processes and waits until all of them have finished. */
    static void coordinate(String uri, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("a swarm needs at least one worker, got " + workers);
        }
        int chapters = workers * CHAPTERS_PER_WORKER;
        try (Storage storage = Storage.open(uri)) {
            say("coordinator: opened " + storage.uri() + " on the " + WorkerSwarm.pathKind());
            Datastore job = storage.datastore(NAMESPACE);
            job.clear();
            job.set("task", "count the words of " + chapters + " chapters");
            job.set("chapters", chapters);
            job.set("completed", 0);
            job.set("status", "running"); // last: the workers wait for it, then read the rest
            say("coordinator: job published (" + chapters + " chapters), waiting for " + workers
                    + " workers in other processes");

            Document done = job.awaitValue("completed", workers, WAIT);
            say("coordinator: woken: all " + done.value().asInt() + " workers finished (rev " + done.rev()
                    + " of 'completed')");
            job.set("status", "done");

            // what other processes wrote: read it as committed, not from this process's cache
            JsonNode claims = job.getLatest("claims").orElseThrow().value();
            Map<Integer, Integer> claimsPerChapter = new TreeMap<>();
            Map<Integer, Integer> chaptersPerWorker = new TreeMap<>();
            for (JsonNode claim : claims) {
                claimsPerChapter.merge(claim.get("chapter").asInt(), 1, Integer::sum);
                chaptersPerWorker.merge(claim.get("worker").asInt(), 1, Integer::sum);
            }
            for (int chapter = 1; chapter <= chapters; chapter++) {
                int claimed = claimsPerChapter.getOrDefault(chapter, 0);
                if (claimed != 1) {
                    throw new IllegalStateException(
                            "chapter " + chapter + " was claimed " + claimed + " times; the claims: " + claims);
                }
            }
            say("coordinator: each of the " + chapters + " chapters claimed once; chapters per worker "
                    + chaptersPerWorker);
            long words = job.getLatest("words").orElseThrow().value().asLong();
            if (words != totalWords(chapters)) {
                throw new IllegalStateException("expected " + totalWords(chapters) + " words, got " + words);
            }
            say("coordinator: total words " + words);
        }
    }

    /** Waits for the coordinator's job, claims chapters until none is left, and reports as completed. */
    static void work(String uri, int worker) {
        try (Storage storage = Storage.open(uri)) {
            Datastore job = storage.datastore(NAMESPACE);
            say("worker " + worker + ": opened " + storage.uri() + ", waiting for the job");
            Document running = job.awaitValue("status", "running", WAIT); // woken by the coordinator's write
            String task = job.getLatest("task").orElseThrow().value().asString();
            int chapters = job.getLatest("chapters").orElseThrow().value().asInt();
            say("worker " + worker + ": woken: job '" + task + "' is running (rev " + running.rev() + " of 'status')");

            int claimed = 0;
            for (int chapter = 1; chapter <= chapters; chapter++) {
                if (job.setOnce("claim-" + chapter, worker)) { // one process wins each chapter
                    int words = wordsOf(chapter);
                    job.push("claims", Map.of("chapter", chapter, "worker", worker));
                    job.increment("words", words);
                    claimed++;
                    say("worker " + worker + ": claimed chapter " + chapter + ", counted " + words + " words");
                }
            }
            long completed = job.increment("completed", 1);
            say("worker " + worker + ": done, claimed " + claimed + " of " + chapters + " chapters; completed = "
                    + completed);
        }
    }

    private static int wordsOf(int chapter) {
        return 1_000 + 100 * chapter;
    }

    private static long totalWords(int chapters) {
        long total = 0;
        for (int chapter = 1; chapter <= chapters; chapter++) {
            total += wordsOf(chapter);
        }
        return total;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
