package io.github.datastore4j.testkit;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The child process of {@link CrashRecoveryKit}: opens a storage and writes from eight threads until it is killed.
 * Every key is owned by one thread, so each key's history is a sequence.
 *
 * <p>Before an operation starts the child prints {@code B <thread> <key> <json>} — the key's value once the
 * operation is applied, {@code -} for absent — and flushes it; after the storage acknowledged it, {@code A <thread>
 * <key>}. So the parent knows, for every key, the acknowledged state and the at most one state in flight.
 *
 * <p>Threads: two counters ({@code increment}), one setter over a pool of keys, two updaters of prefilled records
 * ({@code update}), one that deletes or recreates keys of a pool, and two that write bursts of 48 async {@code set}s,
 * so that group commits are large.
 *
 * <p>Arguments: the storage URI, the cycle number, the number of prefilled records, a seed.
 */
public final class CrashWriter {
    static final String NAMESPACE = "crash";
    static final int SET_POOL = 2_000;
    static final int DELETE_POOL = 2_000;
    static final int BURST = 48;
    static final int BURST_POOL = BURST * 10;
    private static final String PAD = "x".repeat(120);
    private static final JsonMapper JSON = JsonMapper.shared();

    private final Datastore store;
    private final long cycle;
    private final int prefilled;
    private final OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);

    private CrashWriter(Datastore store, long cycle, int prefilled) {
        this.store = store;
        this.cycle = cycle;
        this.prefilled = prefilled;
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        long cycle = Long.parseLong(args[1]);
        int prefilled = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        try (Storage storage = Storage.open(uri)) {
            CrashWriter writer = new CrashWriter(storage.datastore(NAMESPACE), cycle, prefilled);
            writer.begin("open");
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                Random random = new Random(seed * 31 + t);
                Thread thread = new Thread(() -> writer.runRole(id, random), "crash-writer-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join(); // never returns normally: the parent kills this process
            }
        }
    }

    /** Value written by the setter, the deleter and the bursts: unique per cycle and index, ~150 bytes of JSON. */
    static ObjectNode value(int thread, long cycle, long i) {
        return JSON.createObjectNode()
                .put("t", thread)
                .put("cycle", cycle)
                .put("i", i)
                .put("pad", PAD);
    }

    /** A prefilled record: a revision counter {@code n} the updaters raise and a pad. */
    static ObjectNode prefilledValue(int n) {
        return JSON.createObjectNode().put("p", n).put("n", 0).put("pad", PAD);
    }

    private void runRole(int thread, Random random) {
        try {
            switch (thread) {
                case 0, 1 -> counter(thread);
                case 2 -> setter(thread, random);
                case 3, 4 -> updater(thread, random);
                case 5 -> deleter(thread, random);
                default -> bursts(thread, random);
            }
        } catch (Throwable e) {
            System.err.println("crash writer thread " + thread + " failed:");
            e.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(3);
        }
    }

    private void counter(int thread) throws IOException {
        String key = "c" + thread;
        long expected = store.get(key, Long.class).orElse(0L);
        for (; ; ) {
            expected++;
            begin("B " + thread + " " + key + " " + expected);
            long got = store.increment(key, 1);
            if (got != expected) {
                throw new IllegalStateException("increment of " + key + " returned " + got + ", expected " + expected);
            }
            ack(thread, key);
        }
    }

    private void setter(int thread, Random random) throws IOException {
        for (long i = 0; ; i++) {
            String key = "s" + random.nextInt(SET_POOL);
            ObjectNode value = value(thread, cycle, i);
            begin("B " + thread + " " + key + " " + value);
            store.set(key, value);
            ack(thread, key);
        }
    }

    /** Updater {@code 3} owns the even prefilled records, {@code 4} the odd ones. */
    private void updater(int thread, Random random) throws IOException {
        int half = prefilled / 2;
        if (half == 0) {
            counter(thread);
        }
        for (; ; ) {
            int n = 2 * random.nextInt(half) + (thread - 3);
            String key = "p" + n;
            JsonNode now = store.get(key).orElseThrow(() -> new IllegalStateException("prefilled " + key + " missing"));
            ObjectNode next =
                    ((ObjectNode) now.deepCopy()).put("n", now.get("n").asLong() + 1);
            begin("B " + thread + " " + key + " " + next);
            JsonNode got = store.update(key, value -> ((ObjectNode) value)
                            .put("n", value.get("n").asLong() + 1))
                    .value();
            if (!got.equals(next)) {
                throw new IllegalStateException("update of " + key + " gave " + got + ", expected " + next);
            }
            ack(thread, key);
        }
    }

    private void deleter(int thread, Random random) throws IOException {
        for (long i = 0; ; i++) {
            String key = "d" + random.nextInt(DELETE_POOL);
            Optional<JsonNode> now = store.get(key);
            if (now.isPresent()) {
                begin("B " + thread + " " + key + " -");
                store.delete(key);
            } else {
                ObjectNode value = value(thread, cycle, i);
                begin("B " + thread + " " + key + " " + value);
                store.set(key, value);
            }
            ack(thread, key);
        }
    }

    private void bursts(int thread, Random random) throws IOException {
        int start = random.nextInt(BURST_POOL);
        for (long burst = 0; ; burst++) {
            List<String> keys = new ArrayList<>(BURST);
            StringBuilder begins = new StringBuilder();
            List<ObjectNode> values = new ArrayList<>(BURST);
            for (int j = 0; j < BURST; j++) {
                String key = "b" + thread + "-" + (start + burst * BURST + j) % BURST_POOL;
                ObjectNode value = value(thread, cycle, burst * BURST + j);
                keys.add(key);
                values.add(value);
                begins.append("B ")
                        .append(thread)
                        .append(' ')
                        .append(key)
                        .append(' ')
                        .append(value)
                        .append('\n');
            }
            begin(begins.substring(0, begins.length() - 1));
            List<CompletableFuture<?>> acks = new ArrayList<>(BURST);
            for (int j = 0; j < BURST; j++) {
                String key = keys.get(j);
                acks.add(store.async().set(key, values.get(j)).thenRun(() -> ack(thread, key)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Writes and flushes: the parent must know of an operation before it can take effect. */
    private synchronized void begin(String lines) {
        try {
            out.write((lines + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Buffered: an acknowledgement lost to the kill only makes the parent accept more outcomes, never fewer. */
    private synchronized void ack(int thread, String key) {
        try {
            out.write(("A " + thread + " " + key + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
