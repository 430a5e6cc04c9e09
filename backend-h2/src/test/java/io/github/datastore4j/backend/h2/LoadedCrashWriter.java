package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The child process of {@link H2LoadedCrashTest}: opens a {@code sync} storage and runs {@value #THREADS} writer threads
 * until it is killed. Each thread cycles through a sync increment of {@code c<t>}, a sync set of a new key, an update
 * of {@code u<t>}, a delete of a key it set before, and a burst of {@value #BURST} async sets of random prefilled
 * records of its own share (key index modulo {@value #THREADS}), which share group commits. After each acknowledged write it prints one line:
 *
 * <ul>
 *   <li>{@code S <key> <value>}: the key was set to the value;
 *   <li>{@code C <thread> <value>}: the counter of the thread reached the value;
 *   <li>{@code U <thread> <value>}: the update counter of the thread reached the value;
 *   <li>{@code B <key> <value>}: a prefilled record was set to the value (a thread's values only grow);
 *   <li>{@code P <key>}: a delete of the key starts (printed before the call), {@code D <key>}: it was acknowledged.
 * </ul>
 *
 * <p>Arguments: the storage URI, the cycle number (it makes the keys of this run distinct), the number of prefilled
 * records {@code p0…}.
 */
final class LoadedCrashWriter {
    static final int THREADS = 8;
    static final int BURST = 48;

    private LoadedCrashWriter() {}

    public static void main(String[] args) throws InterruptedException {
        String uri = args[0];
        String run = args[1];
        int prefilled = Integer.parseInt(args[2]);
        PrintStream out = System.out;
        Storage storage = Storage.open(uri);
        Datastore store = storage.datastore("crash");
        out.println("open");
        out.flush();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.add(new Thread(() -> write(store, run + "-" + thread, thread, prefilled, out)));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private static void write(Datastore store, String prefix, int thread, int prefilled, PrintStream out) {
        Random random = new Random();
        for (long i = 0; ; i++) {
            String key = "s" + prefix + "-" + i;
            store.set(key, i);
            print(out, "S " + key + " " + i);
            print(out, "C " + thread + " " + store.increment("c" + thread, 1));
            long updated = store.update("u" + thread, Long.class, v -> v == null ? 1L : v + 1)
                    .value()
                    .asLong();
            print(out, "U " + thread + " " + updated);
            if (i % 2 == 1) {
                String doomed = "s" + prefix + "-" + (i - 1);
                print(out, "P " + doomed);
                store.delete(doomed);
                print(out, "D " + doomed);
            }
            List<CompletableFuture<?>> burst = new ArrayList<>(BURST);
            for (int j = 0; j < BURST; j++) {
                // prefilled records of this thread's share, chosen at random: commits touch pages all over the file
                String burstKey = "p" + (random.nextInt(prefilled / THREADS) * THREADS + thread);
                long value = i * BURST + j;
                burst.add(store.async().set(burstKey, value).thenRun(() -> print(out, "B " + burstKey + " " + value)));
            }
            CompletableFuture.allOf(burst.toArray(new CompletableFuture<?>[0])).join();
        }
    }

    private static void print(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
