package io.github.datastore4j.benchmarks;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * A shared store from several threads and processes: {@code postgres:} on one embedded PostgreSQL (zonky, {@code
 * fsync} and {@code synchronous_commit} on, a schema per measurement) or {@code sqlite:} (a file per measurement, WAL,
 * {@code synchronous=FULL}). Processes are involved, so this is a plain {@code main}, not JMH:
 *
 * <ol>
 *   <li>{@code writes}: durable {@code set}s per second from 1 and N writer threads of one storage (N = 64 on
 *       PostgreSQL, 16 on SQLite, whose writers queue for one lock), beside raw JDBC doing the same conditional upserts
 *       (a conditional {@code UPDATE … WHERE rev = ?} or {@code INSERT … ON CONFLICT DO NOTHING} and a change row, one
 *       transaction per write, one connection per thread);
 *   <li>{@code processes}: the same from 4 child JVMs × 4 threads on one store, engine and raw;
 *   <li>{@code wakeup}: a child JVM waits ({@code awaitMatch}) for {@code ping = i} and answers {@code pong = i}; the
 *       ping carries the wall-clock time its {@code set} began, so the child also reports the one-way time from the
 *       start of the write to its wake-up;
 *   <li>{@code increments}: 4 child JVMs × 8 threads increment one key, then 4 keys (one per process); the sum is
 *       checked exactly.
 * </ol>
 *
 * <pre>{@code
 * ./mvnw -B -q -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar io.github.datastore4j.benchmarks.SharedStores \
 *     [postgres|sqlite] [writes] [processes] [wakeup] [increments]
 * }</pre>
 *
 * Sizes are system properties: {@code shared.rounds} (3), {@code shared.warmupSeconds} (3), {@code
 * shared.measureSeconds} (10), {@code shared.samples} (600), {@code shared.increments} (per thread, 40), {@code
 * shared.writers} (the writer counts of {@code writes}, e.g. {@code 1,4,16}).
 */
public final class SharedStores {
    private static final int ROUNDS = Integer.getInteger("shared.rounds", 3);
    private static final int WARMUP_SECONDS = Integer.getInteger("shared.warmupSeconds", 3);
    private static final int MEASURE_SECONDS = Integer.getInteger("shared.measureSeconds", 10);
    private static final int SAMPLES = Integer.getInteger("shared.samples", 600);
    private static final int WARMUP_SAMPLES = 100;
    private static final int INCREMENTS = Integer.getInteger("shared.increments", 40);
    private static final int PROCESSES = 4;
    private static final int THREADS_PER_PROCESS = 8;
    private static final int WRITERS_PER_PROCESS = 4;
    private static final int KEYS_PER_WRITER = 1_000;
    private static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final String NAMESPACE = "bench";
    /** About 200 bytes of JSON, as every write's value. */
    private static final Map<String, Object> VALUE = Map.of("name", "x".repeat(150), "tags", List.of("a", "b", "c"));

    private static final List<String> PARTS = List.of("writes", "processes", "wakeup", "increments");

    private SharedStores() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        if (args.length > 0 && args[0].startsWith("child-")) {
            child(args);
            return;
        }
        List<String> rest = new ArrayList<>(List.of(args));
        String scheme = !rest.isEmpty() && !PARTS.contains(rest.get(0)) ? rest.remove(0) : "postgres";
        List<String> parts = rest.isEmpty() ? PARTS : rest;
        for (String part : parts) {
            if (!PARTS.contains(part)) {
                throw new IllegalArgumentException("unknown part '" + part + "': expected some of " + PARTS);
            }
        }
        try (SharedTarget target = SharedTarget.open(scheme)) {
            System.out.println(target.describe());
            System.out.printf(
                    "java %s (%s), %d cores, load average %.2f%n",
                    System.getProperty("java.version"),
                    System.getProperty("java.vm.name"),
                    Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
            if (parts.contains("writes")) {
                writes(target);
            }
            if (parts.contains("processes")) {
                processWrites(target);
            }
            if (parts.contains("wakeup")) {
                wakeup(target.freshUri());
            }
            if (parts.contains("increments")) {
                increments(target);
            }
        }
    }

    // ---- 1. durable writes ----

    /** One writer thread's loop: writes until told to stop, counting the writes that returned. */
    interface WriteLoop {
        void write(int thread, int n) throws Exception;
    }

    private static void writes(SharedTarget target) throws Exception {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        String override = System.getProperty("shared.writers"); // e.g. 1,4,16
        int[] counts = override == null
                ? target.writerCounts()
                : Arrays.stream(override.split(",")).mapToInt(Integer::parseInt).toArray();
        int most = counts[counts.length - 1];
        String hint = target.hintStatement().orElse(null);
        for (int round = 1; round <= ROUNDS; round++) {
            for (int threads : counts) {
                rates.computeIfAbsent("engine " + threads, k -> new ArrayList<>())
                        .add(engineWrites(target.freshUri(), threads));
                rates.computeIfAbsent("raw " + threads, k -> new ArrayList<>())
                        .add(rawWrites(target.freshRawStore(), threads, null));
            }
            if (hint != null) {
                rates.computeIfAbsent("raw+hint " + most, k -> new ArrayList<>())
                        .add(rawWrites(target.freshRawStore(), most, hint));
            }
            System.out.printf("round %d: %s%n", round, rates);
        }
        System.out.printf(
                "durable writes/s, one process, median of %d rounds of %d s after %d s warm-up:%n",
                ROUNDS, MEASURE_SECONDS, WARMUP_SECONDS);
        for (int threads : counts) {
            printComparison(threads + " writers", rates.get("engine " + threads), rates.get("raw " + threads));
        }
        if (hint != null) {
            System.out.printf(
                    "  %d writers: raw JDBC with %s in each transaction %8.0f  (rounds: %s)%n",
                    most, hint, median(rates.get("raw+hint " + most)), rates.get("raw+hint " + most));
        }
    }

    private static void printComparison(String what, List<Double> engine, List<Double> raw) {
        double e = median(engine);
        double r = median(raw);
        System.out.printf(
                "  %-22s datastore4j %8.0f  raw JDBC %8.0f  datastore4j/raw %.2f×  (rounds: %s / %s)%n",
                what, e, r, e / r, engine, raw);
    }

    private static double engineWrites(String uri, int threads) throws Exception {
        return engineWrites(uri, threads, "");
    }

    private static double engineWrites(String uri, int threads, String keyPrefix) throws Exception {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore(NAMESPACE);
            return measure(
                    threads, (thread, n) -> store.set(keyPrefix + "w" + thread + "-" + n % KEYS_PER_WRITER, VALUE));
        }
    }

    private static double rawWrites(SharedTarget.RawStore store, int threads, String hint) throws Exception {
        return rawWrites(store, threads, hint, "");
    }

    private static double rawWrites(SharedTarget.RawStore store, int threads, String hint, String keyPrefix)
            throws Exception {
        byte[] value = Documents.MAPPER.writeValueAsBytes(VALUE);
        List<RawConditionalWriter> writers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                writers.add(new RawConditionalWriter(store, NAMESPACE, value, hint));
            }
            return measure(threads, (thread, n) -> writers.get(thread)
                    .write(keyPrefix + "w" + thread + "-" + n % KEYS_PER_WRITER));
        } finally {
            for (RawConditionalWriter writer : writers) {
                writer.close();
            }
        }
    }

    // ---- 2. durable writes from several processes ----

    private static void processWrites(SharedTarget target) throws Exception {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
            rates.computeIfAbsent("engine", k -> new ArrayList<>()).add(childWrites("engine", target.freshUri(), ""));
            rates.computeIfAbsent("raw", k -> new ArrayList<>())
                    .add(childWrites("raw", target.freshRawStore().encode(), ""));
            if (target.hintStatement().isPresent()) {
                rates.computeIfAbsent("raw+hint", k -> new ArrayList<>())
                        .add(childWrites(
                                "raw+hint",
                                target.freshRawStore().encode(),
                                target.hintStatement().orElseThrow()));
            }
            System.out.printf("round %d: %s%n", round, rates);
        }
        System.out.printf(
                "durable writes/s, %d processes × %d threads on one store, median of %d rounds:%n",
                PROCESSES, WRITERS_PER_PROCESS, ROUNDS);
        printComparison(PROCESSES + " × " + WRITERS_PER_PROCESS + " writers", rates.get("engine"), rates.get("raw"));
        if (rates.containsKey("raw+hint")) {
            System.out.printf(
                    "  raw JDBC with %s in each transaction %8.0f  (rounds: %s)%n",
                    target.hintStatement().orElseThrow(), median(rates.get("raw+hint")), rates.get("raw+hint"));
        }
    }

    /** Starts the writer processes, lets them measure together, and returns the sum of their rates. */
    private static double childWrites(String kind, String store, String hint) throws Exception {
        List<Process> children = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            Process child = startChild("child-writes", kind, store, Integer.toString(p), hint);
            children.add(child);
            outputs.add(new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
        }
        for (BufferedReader output : outputs) {
            expectLine(output, "ready");
        }
        for (Process child : children) {
            Writer input = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
            input.write("go\n");
            input.flush();
        }
        double sum = 0;
        for (BufferedReader output : outputs) {
            sum += Double.parseDouble(expectPrefix(output, "rate "));
        }
        for (Process child : children) {
            if (!child.waitFor(1, TimeUnit.MINUTES) || child.exitValue() != 0) {
                throw new IllegalStateException("a writer process failed");
            }
        }
        return Math.round(sum * 10) / 10.0;
    }

    private static void childWrites(String kind, String store, int process, String hint) throws Exception {
        String prefix = "p" + process + "-";
        // open first, then say ready: the processes measure together, not their start-up
        if (kind.equals("engine")) {
            try (Storage storage = Storage.open(store)) {
                Datastore data = storage.datastore(NAMESPACE);
                awaitGo();
                double rate = measure(
                        WRITERS_PER_PROCESS,
                        (thread, n) -> data.set(prefix + "w" + thread + "-" + n % KEYS_PER_WRITER, VALUE));
                System.out.println("rate " + rate);
            }
        } else {
            awaitGo();
            System.out.println(
                    "rate " + rawWrites(SharedTarget.RawStore.decode(store), WRITERS_PER_PROCESS, null, prefix));
        }
        System.out.flush();
    }

    private static void awaitGo() throws IOException {
        System.out.println("ready");
        System.out.flush();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = input.readLine();
        if (!"go".equals(line)) {
            throw new IllegalStateException("expected go from the parent, got " + line);
        }
    }

    /** Runs {@code threads} writers for the warm-up and the measurement; returns the writes per second measured. */
    private static double measure(int threads, WriteLoop writer) throws Exception {
        LongAdder done = new LongAdder();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(
                    () -> {
                        try {
                            for (int n = 0; !stop.get(); n++) {
                                writer.write(thread, n);
                                done.increment();
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    },
                    "writer-" + t);
            worker.start();
            workers.add(worker);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(WARMUP_SECONDS));
        long before = done.sum();
        long started = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(MEASURE_SECONDS));
        long after = done.sum();
        long elapsed = System.nanoTime() - started;
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a writer failed", failures.get(0));
        }
        return Math.round((after - before) * 1e9 / elapsed * 10) / 10.0;
    }

    // ---- 3. cross-process wake-up ----

    private static void wakeup(String uri) throws Exception {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore(NAMESPACE);
            store.set("ping", Map.of("i", 0, "sentMicros", 0));
            Process child = startChild("child-pong", uri);
            store.awaitMatch("pong", node -> node.path("i").asLong() == -1, PATIENCE); // the child is following
            int total = WARMUP_SAMPLES + SAMPLES;
            long[] roundTrip = new long[SAMPLES];
            long[] oneWay = new long[SAMPLES];
            long[] commit = new long[SAMPLES];
            long[] afterCommit = new long[SAMPLES];
            for (int i = 1; i <= total; i++) {
                long started = System.nanoTime();
                store.set("ping", Map.of("i", i, "sentMicros", nowMicros()));
                long written = System.nanoTime();
                long writtenMicros = nowMicros();
                int expected = i;
                JsonNode pong = store.awaitMatch("pong", node -> node.path("i").asLong() == expected, PATIENCE)
                        .value();
                long ended = System.nanoTime();
                if (i > WARMUP_SAMPLES) {
                    roundTrip[i - WARMUP_SAMPLES - 1] = ended - started;
                    commit[i - WARMUP_SAMPLES - 1] = written - started;
                    oneWay[i - WARMUP_SAMPLES - 1] = pong.path("oneWayMicros").asLong() * 1_000;
                    afterCommit[i - WARMUP_SAMPLES - 1] =
                            (pong.path("seenMicros").asLong() - writtenMicros) * 1_000;
                }
            }
            store.set("ping", Map.of("i", -1, "sentMicros", 0));
            if (!child.waitFor(1, TimeUnit.MINUTES)) {
                child.destroy();
            }
            System.out.printf("cross-process wake-up, %d samples after %d warm-up (ms):%n", SAMPLES, WARMUP_SAMPLES);
            printPercentiles("one-way: parent's set begins → child's awaitMatch returns (wall clock)", oneWay);
            printPercentiles("wake-up alone: parent's set returned → child's awaitMatch returns", afterCommit);
            printPercentiles("round trip ping→pong (two durable sets, two wake-ups)", roundTrip);
            long[] half = Arrays.stream(roundTrip).map(t -> t / 2).toArray();
            printPercentiles("half round trip", half);
            printPercentiles("parent's set (durable commit) alone", commit);
        }
    }

    /** The wall clock in microseconds: both processes read the same clock. */
    private static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static void childPong(String uri) {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore(NAMESPACE);
            store.set("pong", Map.of("i", -1, "oneWayMicros", 0, "seenMicros", 0));
            for (long i = 1; ; i++) {
                long expected = i;
                JsonNode ping = store.awaitMatch(
                                "ping",
                                node -> node.path("i").asLong() == expected
                                        || node.path("i").asLong() == -1,
                                PATIENCE)
                        .value();
                long seen = nowMicros();
                if (ping.path("i").asLong() == -1) {
                    return;
                }
                store.set(
                        "pong",
                        Map.of(
                                "i",
                                i,
                                "oneWayMicros",
                                seen - ping.path("sentMicros").asLong(),
                                "seenMicros",
                                seen));
            }
        }
    }

    // ---- 4. exact-sum increments ----

    private static void increments(SharedTarget target) throws Exception {
        for (boolean oneKey : new boolean[] {true, false}) {
            String uri = target.freshUri();
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore(NAMESPACE);
                store.set("go", 0);
                List<Process> children = new ArrayList<>();
                List<BufferedReader> outputs = new ArrayList<>();
                for (int p = 0; p < PROCESSES; p++) {
                    String key = oneKey ? "counter" : "counter-" + p;
                    Process child = startChild(
                            "child-increment",
                            uri,
                            key,
                            Integer.toString(THREADS_PER_PROCESS),
                            Integer.toString(INCREMENTS));
                    children.add(child);
                    outputs.add(
                            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
                }
                for (BufferedReader output : outputs) {
                    expectLine(output, "ready");
                }
                long started = System.nanoTime();
                store.set("go", 1);
                for (BufferedReader output : outputs) {
                    expectLine(output, "done");
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                for (Process child : children) {
                    child.waitFor(1, TimeUnit.MINUTES);
                }
                long expected = (long) PROCESSES * THREADS_PER_PROCESS * INCREMENTS;
                long sum = 0;
                for (int p = 0; p < (oneKey ? 1 : PROCESSES); p++) {
                    String key = oneKey ? "counter" : "counter-" + p;
                    sum += store.awaitMatch(key, node -> true, PATIENCE).value().asLong();
                }
                // the parent's view may lag the children's last commits: read through the feed until it catches up
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sum != expected && System.nanoTime() < deadline) {
                    sum = 0;
                    for (int p = 0; p < (oneKey ? 1 : PROCESSES); p++) {
                        String key = oneKey ? "counter" : "counter-" + p;
                        sum += store.getLatest(key).orElseThrow().value().asLong();
                    }
                    Thread.sleep(50);
                }
                System.out.printf(
                        "increments, %d processes × %d threads × %d on %s: %d increments in %.1f s = %.0f/s,"
                                + " sum %d (expected %d): %s%n",
                        PROCESSES,
                        THREADS_PER_PROCESS,
                        INCREMENTS,
                        oneKey ? "one key" : PROCESSES + " keys (one per process)",
                        expected,
                        seconds,
                        expected / seconds,
                        sum,
                        expected,
                        sum == expected ? "EXACT" : "WRONG");
                if (sum != expected) {
                    throw new IllegalStateException("the sum is " + sum + ", not " + expected);
                }
            }
        }
    }

    private static void childIncrement(String uri, String key, int threads, int count) throws Exception {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore(NAMESPACE);
            System.out.println("ready");
            System.out.flush();
            store.awaitValue("go", 1, PATIENCE);
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    try {
                        for (int n = 0; n < count; n++) {
                            store.increment(key, 1);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (!failures.isEmpty()) {
                failures.get(0).printStackTrace();
                System.exit(1);
            }
            System.out.println("done");
            System.out.flush();
        }
    }

    // ---- child JVMs and helpers ----

    private static void child(String[] args) throws Exception {
        switch (args[0]) {
            case "child-pong" -> childPong(args[1]);
            case "child-writes" -> childWrites(args[1], args[2], Integer.parseInt(args[3]), args[4]);
            case "child-increment" ->
                childIncrement(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("unknown child " + args[0]);
        }
    }

    /** This class's {@code main} in a child JVM with this JVM's {@code java} and class path (as testkit's ChildJvm). */
    private static Process startChild(String... args) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        // the logging settings the parent was started with (e.g. trace of the engine's commits)
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("org.slf4j."))
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SharedStores.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    private static void expectLine(BufferedReader output, String expected) throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            if (line.equals(expected)) {
                return;
            }
            System.out.println("child: " + line);
        }
        throw new IllegalStateException("a child ended before saying " + expected);
    }

    private static String expectPrefix(BufferedReader output, String prefix) throws IOException {
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
            System.out.println("child: " + line);
        }
        throw new IllegalStateException("a child ended before saying " + prefix + "…");
    }

    private static void printPercentiles(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "  %-75s p50 %6.2f  p90 %6.2f  p99 %6.2f  max %6.2f%n",
                what, at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
    }

    private static double at(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
