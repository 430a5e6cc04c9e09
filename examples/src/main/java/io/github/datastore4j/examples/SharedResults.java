package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Workers push results into one array; the coordinator waits for the array to reach the expected size with
 * {@code awaitSize} and then reads every result.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.SharedResults [storage-uri]} (default {@code memory:}).
 */
public final class SharedResults {
    private static final int WORKERS = 4;
    private static final int RESULTS_PER_WORKER = 25;

    private SharedResults() {}

    public static void main(String[] args) throws InterruptedException {
        String uri = args.length > 0 ? args[0] : "memory:";
        int expected = WORKERS * RESULTS_PER_WORKER;
        try (Storage storage = Storage.open(uri)) {
            Datastore results = storage.datastore("shared_results");
            results.clear();
            System.out.println("coordinator: waiting for " + expected + " results in " + storage.uri() + " on the "
                    + WorkerSwarm.pathKind());
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                pool.submit(() -> {
                    for (int i = 0; i < RESULTS_PER_WORKER; i++) {
                        results.push("results", Map.of("worker", worker, "item", i, "square", i * i));
                    }
                });
            }
            Document all = results.awaitSize("results", expected, Duration.ofSeconds(30));
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            long sum = 0;
            for (var result : all.value()) {
                sum += result.get("square").asLong();
            }
            System.out.println("coordinator: got " + all.value().size() + " results (rev " + all.rev()
                    + "), sum of squares " + sum);
            long expectedSum =
                    WORKERS * (long) (RESULTS_PER_WORKER - 1) * RESULTS_PER_WORKER * (2 * RESULTS_PER_WORKER - 1) / 6;
            if (all.value().size() != expected || sum != expectedSum) {
                throw new IllegalStateException("lost results: " + all.value().size() + " items, sum " + sum);
            }
        }
    }
}
