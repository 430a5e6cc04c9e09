package io.github.datastore4j.benchmarks;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.IntNode;

/**
 * Single-key operations and a key-range query over every backend, engine and raw baseline side by side, on a store
 * pre-loaded with {@value #DOCUMENTS} ten-field documents. Writes use each backend's default durability ({@code sync}
 * for the persistent ones), so a write's figure includes its commit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PointOps {
    static final int DOCUMENTS = 10_000;
    static final int QUERY_SIZE = 1_000;
    static final int LIST_SIZE = 100;

    @Param
    public Backend backend;

    @Param
    public Impl impl;

    private Fixtures.Opened store;
    private Subject subject;
    private JsonNode[] documents;

    @Setup(Level.Trial)
    public void open() {
        store = Fixtures.preloaded(impl, backend, DOCUMENTS, "");
        subject = store.subject();
        documents = new JsonNode[DOCUMENTS];
        for (int n = 0; n < DOCUMENTS; n++) {
            documents[n] = Documents.document(n);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
    }

    /** Per thread: its own random stream, and its own lists so that threads never share one. */
    @State(Scope.Thread)
    public static class Cursor {
        private static final AtomicInteger THREADS = new AtomicInteger();
        final SplittableRandom random = new SplittableRandom(42);
        final int thread = THREADS.incrementAndGet();
        long pushes;

        int nextDocument() {
            return random.nextInt(DOCUMENTS);
        }
    }

    @Benchmark
    public JsonNode get(Cursor cursor) {
        return subject.get(Documents.key(cursor.nextDocument()));
    }

    @Benchmark
    public void set(Cursor cursor) {
        int n = cursor.nextDocument();
        subject.set(Documents.key(n), documents[n]);
    }

    @Benchmark
    public void update(Cursor cursor) {
        subject.update(Documents.key(cursor.nextDocument()), Documents::addVisit);
    }

    @Benchmark
    @Threads(1)
    public long increment() {
        return subject.increment("counter", 1);
    }

    /** Two threads on one counter: the contended case. */
    @Benchmark
    @Threads(2)
    public long increment2Threads() {
        return subject.increment("counter", 1);
    }

    /** Pushes onto lists of up to {@value #LIST_SIZE} items; a full list is deleted (1 op in 100 is a delete). */
    @Benchmark
    public int push(Cursor cursor) {
        long push = cursor.pushes++;
        String key = "list-" + cursor.thread + "-" + (push / LIST_SIZE);
        int size = subject.push(key, IntNode.valueOf((int) push));
        if (size >= LIST_SIZE) {
            subject.delete(key);
        }
        return size;
    }

    /** {@value #QUERY_SIZE} keys in order from a random starting key. */
    @Benchmark
    public List<String> queryKeys(Cursor cursor) {
        return subject.keys(Documents.key(cursor.random.nextInt(DOCUMENTS - QUERY_SIZE)), QUERY_SIZE);
    }
}
