package io.github.datastore4j.benchmarks;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import tools.jackson.databind.JsonNode;

/**
 * Writes that must be durable when they return, on the persistent backends: the engine with 1 and 64 writers in {@code
 * sync} mode (the 64 share commits: group commit), the engine in {@code interval} mode, and each backend's raw
 * baseline committing one write at a time and {@value #BATCH} writes per commit — the best a hand-written batching
 * writer gets from that store, which the engine's group commit is measured against.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DurableWrites {
    static final int BATCH = 64;
    static final int KEYS_PER_WRITER = 1_000;

    /** A persistent backend; {@code memory} has nothing to make durable. */
    @State(Scope.Benchmark)
    public abstract static class Store {
        @Param({"json", "h2", "mapdb"})
        public Backend backend;

        Subject subject;
        private Path directory;

        abstract Subject open(Backend backend, Path directory);

        @Setup(Level.Trial)
        public void open() {
            directory = Backend.newDirectory("writes");
            subject = open(backend, directory);
        }

        @TearDown(Level.Trial)
        public void close() {
            subject.close();
            Backend.deleteRecursively(directory);
        }
    }

    public static class EngineSync extends Store {
        @Override
        Subject open(Backend backend, Path directory) {
            return backend.engine(directory, "durability=sync");
        }
    }

    public static class EngineInterval extends Store {
        @Override
        Subject open(Backend backend, Path directory) {
            return backend.engine(directory, "durability=interval&autosave=1s");
        }
    }

    public static class Raw extends Store {
        @Override
        Subject open(Backend backend, Path directory) {
            return backend.raw(directory);
        }
    }

    /** Per writer thread: its own keys, cycling over {@value #KEYS_PER_WRITER} so the store stays a fixed size. */
    @State(Scope.Thread)
    public static class Writer {
        private static final AtomicInteger WRITERS = new AtomicInteger();
        private final int writer = WRITERS.incrementAndGet();
        private final JsonNode document = Documents.document(writer);
        private long written;

        String nextKey() {
            return "w" + writer + "-" + (written++ % KEYS_PER_WRITER);
        }

        /**
         * The keys {@value #BATCH} engine writers would commit together: one from each of {@value #BATCH} key ranges,
         * so that a raw batch touches the store as spread out as a group commit does, not {@value #BATCH} neighbours.
         */
        Map<String, JsonNode> nextBatch() {
            long round = written++ % KEYS_PER_WRITER;
            Map<String, JsonNode> batch = new LinkedHashMap<>();
            for (int i = 0; i < BATCH; i++) {
                batch.put("w" + writer + "_" + i + "-" + round, document);
            }
            return batch;
        }
    }

    @Benchmark
    @Threads(1)
    public void sync1Writer(EngineSync store, Writer writer) {
        store.subject.set(writer.nextKey(), writer.document);
    }

    @Benchmark
    @Threads(64)
    public void sync64Writers(EngineSync store, Writer writer) {
        store.subject.set(writer.nextKey(), writer.document);
    }

    /** Returns at memory speed; the auto-save thread writes in the background, sharing the cores. */
    @Benchmark
    @Threads(1)
    public void interval1Writer(EngineInterval store, Writer writer) {
        store.subject.set(writer.nextKey(), writer.document);
    }

    @Benchmark
    @Threads(1)
    public void rawCommitEach(Raw store, Writer writer) {
        store.subject.set(writer.nextKey(), writer.document);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void rawBatch64(Raw store, Writer writer) {
        store.subject.setAll(writer.nextBatch());
    }
}
