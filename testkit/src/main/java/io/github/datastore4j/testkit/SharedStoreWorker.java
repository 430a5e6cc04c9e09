package io.github.datastore4j.testkit;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link SharedStoreKit}: one JVM that opens the shared store and does one job, printing
 * {@code ready} once the store is open and {@code done} (or what it found) at the end. A failure exits with status 1
 * and its stack trace on standard error.
 *
 * <ul>
 *   <li>{@code increment URI NS KEY THREADS COUNT}: THREADS threads each increment KEY COUNT times;
 *   <li>{@code cas URI NS KEY COUNT}: COUNT read-modify-writes of KEY through {@code put(key, value, rev)}, retrying
 *       each CONFLICT from a fresh read;
 *   <li>{@code worker URI NS ID}: a swarm worker: waits for the coordinator's {@code go}, then claims each of the
 *       {@code tasks} tasks {@code task-N} it can with {@code setOnce}, works it (squares its number), pushes the
 *       result and increments {@code completed};
 *   <li>{@code hold URI NS KEY LEASE_MS}: acquires KEY's session, saves {@code {"holder": pid}}, prints {@code held
 *       TOKEN} and waits to be killed.
 * </ul>
 */
public final class SharedStoreWorker {
    private static final Duration WAIT = Duration.ofMinutes(2);

    private SharedStoreWorker() {}

    public static void main(String[] args) throws Exception {
        try (Storage storage = Storage.open(args[1])) {
            Datastore store = storage.datastore(args[2]);
            System.out.println("ready");
            System.out.flush();
            switch (args[0]) {
                case "increment" -> increment(store, args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
                case "cas" -> cas(store, args[3], Integer.parseInt(args[4]));
                case "worker" -> work(store, args[3]);
                case "hold" -> hold(store, args[3], Long.parseLong(args[4]));
                default -> throw new IllegalArgumentException("unknown job " + args[0]);
            }
            System.out.println("done");
            System.out.flush();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void increment(Datastore store, String key, int threads, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < count; i++) {
                        store.increment(key, 1);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void cas(Datastore store, String key, int count) {
        for (int i = 0; i < count; i++) {
            for (; ; ) {
                Document current = store.getLatest(key).orElseThrow();
                try {
                    store.put(key, current.value().asLong() + 1, current.rev());
                    break;
                } catch (ConflictException e) {
                    // another process got there first: read again
                }
            }
        }
    }

    private static void work(Datastore store, String id) {
        store.awaitValue("go", true, WAIT); // woken by the coordinator's write in another process
        int tasks = store.getLatest("tasks").orElseThrow().value().asInt();
        for (int task = 0; task < tasks; task++) {
            if (store.setOnce("claim-" + task, id)) {
                int n = store.getLatest("task-" + task).orElseThrow().value().asInt();
                store.push("results", Map.of("task", task, "square", n * n, "by", id));
                store.increment("completed", 1);
            }
        }
    }

    private static void hold(Datastore store, String key, long leaseMillis) throws IOException, InterruptedException {
        Session session = store.acquire(key, Duration.ofMillis(leaseMillis), WAIT);
        session.set(Map.of("holder", ProcessHandle.current().pid()));
        session.save();
        System.out.println("held " + session.token());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // keeps the process alive until the test kills it; not a synchronisation
    }
}
