package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The child process of {@link MapDbCrashStressTest}: opens a storage and runs writer threads until it is killed. Each
 * thread owns its keys and mixes increments, distinct sets, updates of prefilled records, deletes of its earlier sets
 * and bursts of async sets (so group commits are large). Before a change it prints {@code try <key> <value|-> } and
 * after the storage acknowledged it {@code ack <key> <value|->} ({@code -} is a delete).
 *
 * <p>Arguments: the storage URI, the run number (keeps keys of runs apart), threads, burst size, prefilled records.
 */
public final class MapDbStressWriter {
    private MapDbStressWriter() {}

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        int run = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int burst = Integer.parseInt(args[3]);
        int prefilled = Integer.parseInt(args[4]);
        PrintStream out = System.out;
        Storage storage = Storage.open(uri);
        Datastore store = storage.datastore("stress");
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            writers.add(new Thread(() -> write(store, out, run, thread, threads, burst, prefilled)));
        }
        out.println("open");
        out.flush();
        writers.forEach(Thread::start);
        for (Thread writer : writers) {
            writer.join();
        }
    }

    private static void write(
            Datastore store, PrintStream out, int run, int thread, int threads, int burst, int prefilled) {
        Random random = new Random(run * 1000L + thread);
        String counter = "counter-" + thread;
        List<String> mine = new ArrayList<>();
        for (long i = 0; ; i++) {
            int op = random.nextInt(10);
            if (op < 3) {
                long before = store.get(counter, Long.class).orElse(0L);
                print(out, "try", counter, Long.toString(before + 1));
                print(out, "ack", counter, Long.toString(store.increment(counter, 1)));
            } else if (op < 5) {
                String key = "s-" + run + "-" + thread + "-" + i;
                print(out, "try", key, Long.toString(i));
                store.set(key, i);
                print(out, "ack", key, Long.toString(i));
                mine.add(key);
            } else if (op < 7) {
                int index = random.nextInt(prefilled / threads) * threads + thread;
                String key = "p" + index;
                long next = store.get(key, Long.class).orElse(0L) + 1;
                print(out, "try", key, Long.toString(next));
                store.update(key, Long.class, value -> value == null ? 1L : value + 1);
                print(out, "ack", key, Long.toString(next));
            } else if (op < 8 && !mine.isEmpty()) {
                String key = mine.remove(random.nextInt(mine.size()));
                print(out, "try", key, "-");
                store.delete(key);
                print(out, "ack", key, "-");
            } else {
                List<CompletableFuture<?>> sets = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                for (int b = 0; b < burst; b++) {
                    String key = "b-" + run + "-" + thread + "-" + i + "-" + b;
                    print(out, "try", key, Long.toString(b));
                    keys.add(key);
                    sets.add(store.async().set(key, (long) b));
                }
                CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new)).join();
                for (int b = 0; b < burst; b++) {
                    print(out, "ack", keys.get(b), Long.toString(b));
                }
                mine.addAll(keys);
            }
        }
    }

    private static void print(PrintStream out, String what, String key, String value) {
        synchronized (out) {
            out.println(what + " " + key + " " + value);
            out.flush();
        }
    }
}
