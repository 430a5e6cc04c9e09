package io.github.datastore4j.benchmarks;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * A shared {@code postgres:} store from several threads and processes, on one embedded PostgreSQL (zonky, {@code fsync}
 * and {@code synchronous_commit} on), each measurement on a fresh schema. Processes are involved, so this is a plain
 * {@code main}, not JMH:
 *
 * <ol>
 *   <li>{@code writes}: durable {@code set}s per second from 1 and 64 writer threads of one storage, beside raw JDBC
 *       doing the same conditional upserts (a conditional {@code UPDATE … WHERE rev = ?} or {@code INSERT … ON
 *       CONFLICT DO NOTHING} and a change row, one transaction per write, one connection per thread);
 *   <li>{@code wakeup}: a child JVM waits ({@code awaitMatch}) for {@code ping = i} and answers {@code pong = i}; the
 *       ping carries the wall-clock time its {@code set} began, so the child also reports the one-way time from the
 *       start of the write to its wake-up;
 *   <li>{@code increments}: 4 child JVMs × 8 threads increment one key, then 4 keys (one per process); the sum is
 *       checked exactly.
 * </ol>
 *
 * <pre>{@code
 * ./mvnw -B -q -DskipTests package -pl benchmarks -am
 * java -cp benchmarks/target/benchmarks.jar io.github.datastore4j.benchmarks.SharedStores [writes] [wakeup] [increments]
 * }</pre>
 *
 * Sizes are system properties: {@code shared.rounds} (3), {@code shared.warmupSeconds} (3), {@code
 * shared.measureSeconds} (10), {@code shared.samples} (600), {@code shared.increments} (per thread, 40).
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
    private static final int KEYS_PER_WRITER = 1_000;
    private static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final String NAMESPACE = "bench";
    /** About 200 bytes of JSON, as every write's value. */
    private static final Map<String, Object> VALUE = Map.of("name", "x".repeat(150), "tags", List.of("a", "b", "c"));

    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static String jdbcUrl;

    private SharedStores() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        if (args.length > 0 && args[0].startsWith("child-")) {
            child(args);
            return;
        }
        List<String> parts = args.length == 0 ? List.of("writes", "wakeup", "increments") : List.of(args);
        try (EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setLocaleConfig("locale", "C.UTF-8")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "300")
                .start()) {
            jdbcUrl = server.getJdbcUrl("postgres", "postgres");
            try (Connection c = DriverManager.getConnection(jdbcUrl);
                    Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT version(), current_setting('fsync'),"
                            + " current_setting('synchronous_commit'), current_setting('wal_sync_method'),"
                            + " current_setting('shared_buffers')")) {
                r.next();
                System.out.printf(
                        "server: %s%nfsync=%s synchronous_commit=%s wal_sync_method=%s shared_buffers=%s%n",
                        r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5));
            }
            System.out.printf(
                    "java %s (%s), %d cores, load average %.2f%n",
                    System.getProperty("java.version"),
                    System.getProperty("java.vm.name"),
                    Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
            if (parts.contains("writes")) {
                writes();
            }
            if (parts.contains("wakeup")) {
                wakeup();
            }
            if (parts.contains("increments")) {
                increments();
            }
        }
    }

    // ---- 1. durable writes ----

    /** One writer thread's loop: writes until told to stop, counting the writes that returned. */
    interface Writer {
        void write(int thread, int n) throws Exception;
    }

    private static void writes() throws Exception {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
            for (int threads : new int[] {1, 64}) {
                rates.computeIfAbsent("engine " + threads, k -> new ArrayList<>())
                        .add(engineWrites(threads));
                rates.computeIfAbsent("raw " + threads, k -> new ArrayList<>()).add(rawWrites(threads, false));
            }
            rates.computeIfAbsent("raw+notify 64", k -> new ArrayList<>()).add(rawWrites(64, true));
            System.out.printf("round %d: %s%n", round, rates);
        }
        System.out.printf(
                "durable writes/s, median of %d rounds of %d s after %d s warm-up:%n",
                ROUNDS, MEASURE_SECONDS, WARMUP_SECONDS);
        for (int threads : new int[] {1, 64}) {
            double engine = median(rates.get("engine " + threads));
            double raw = median(rates.get("raw " + threads));
            System.out.printf(
                    "  %2d writers: datastore4j %8.0f  raw JDBC %8.0f  raw/datastore4j %.2f×  (rounds: %s / %s)%n",
                    threads, engine, raw, raw / engine, rates.get("engine " + threads), rates.get("raw " + threads));
        }
        System.out.printf(
                "  64 writers: raw JDBC with a NOTIFY in each transaction %8.0f  (rounds: %s)%n",
                median(rates.get("raw+notify 64")), rates.get("raw+notify 64"));
    }

    private static double engineWrites(int threads) throws Exception {
        try (Storage storage = Storage.open(uri(freshSchema()))) {
            Datastore store = storage.datastore(NAMESPACE);
            return measure(threads, (thread, n) -> store.set("w" + thread + "-" + n % KEYS_PER_WRITER, VALUE));
        }
    }

    /**
     * The baseline: what a hand-written writer of the same rows does, one transaction per write. A key's first write
     * inserts it if absent, the next ones update it if its revision is the one last written; each applied write appends
     * a change row.
     */
    private static double rawWrites(int threads, boolean notify) throws Exception {
        String schema = freshSchema();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".records (ns varchar(128) NOT NULL, k bytea NOT NULL,"
                    + " rev bigint NOT NULL, value bytea NOT NULL, PRIMARY KEY (ns, k))");
            s.execute("CREATE TABLE " + schema + ".changes (position bigserial PRIMARY KEY, ns varchar(128) NOT NULL,"
                    + " k bytea NOT NULL, rev bigint, value bytea)");
        }
        byte[] value = Documents.MAPPER.writeValueAsBytes(VALUE);
        List<Connection> connections = new ArrayList<>();
        try {
            List<RawWriter> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Connection connection = DriverManager.getConnection(jdbcUrl);
                connections.add(connection);
                writers.add(new RawWriter(connection, schema, value, notify));
            }
            return measure(threads, (thread, n) -> writers.get(thread).write("w" + thread + "-" + n % KEYS_PER_WRITER));
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }

    private static final class RawWriter {
        private final Connection connection;
        private final PreparedStatement update;
        private final PreparedStatement insert;
        private final PreparedStatement change;
        private final byte[] value;
        /** As the engine's batch does: PostgreSQL serialises the commits of notifying transactions. */
        private final PreparedStatement notify;

        private final Map<String, Long> revs = new java.util.HashMap<>();

        RawWriter(Connection connection, String schema, byte[] value, boolean notify) throws SQLException {
            this.notify = notify ? connection.prepareStatement("SELECT pg_notify('bench', '')") : null;
            this.connection = connection;
            this.value = value;
            connection.setAutoCommit(false);
            update = connection.prepareStatement(
                    "UPDATE " + schema + ".records SET rev = ?, value = ? WHERE ns = ? AND k = ? AND rev = ?");
            insert = connection.prepareStatement("INSERT INTO " + schema + ".records (ns, k, rev, value)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (ns, k) DO NOTHING");
            change = connection.prepareStatement(
                    "INSERT INTO " + schema + ".changes (ns, k, rev, value) VALUES (?, ?, ?, ?)");
        }

        void write(String key) throws SQLException {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            long expected = revs.getOrDefault(key, 0L);
            long rev = expected + 1;
            int applied;
            if (expected == 0) {
                insert.setString(1, NAMESPACE);
                insert.setBytes(2, k);
                insert.setLong(3, rev);
                insert.setBytes(4, value);
                applied = insert.executeUpdate();
            } else {
                update.setLong(1, rev);
                update.setBytes(2, value);
                update.setString(3, NAMESPACE);
                update.setBytes(4, k);
                update.setLong(5, expected);
                applied = update.executeUpdate();
            }
            if (applied != 1) {
                connection.rollback();
                throw new IllegalStateException("conflict on " + key + ", which only this writer writes");
            }
            change.setString(1, NAMESPACE);
            change.setBytes(2, k);
            change.setLong(3, rev);
            change.setBytes(4, value);
            change.executeUpdate();
            if (notify != null) {
                notify.execute();
            }
            connection.commit();
            revs.put(key, rev);
        }
    }

    /** Runs {@code threads} writers for the warm-up and the measurement; returns the writes per second measured. */
    private static double measure(int threads, Writer writer) throws Exception {
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

    // ---- 2. cross-process wake-up ----

    private static void wakeup() throws Exception {
        String uri = uri(freshSchema());
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

    // ---- 3. exact-sum increments ----

    private static void increments() throws Exception {
        for (boolean oneKey : new boolean[] {true, false}) {
            String uri = uri(freshSchema());
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

    private static String freshSchema() {
        return "bench_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    }

    private static String uri(String schema) {
        return "postgres:" + jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "schema=" + schema;
    }
}
