package io.github.datastore4j.benchmarks;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

/**
 * Wake-up latency of a blocking wait: a ping-pong between the benchmark thread and a responder thread, each waiting for
 * the other's value. One operation is a round trip, so two wake-ups. The raw baseline is a {@code HashMap} under a
 * monitor with {@code wait}/{@code notifyAll} — the least a blocking wait can cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class AwaitLatency {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final long STOP = -1;

    @Param
    public Impl impl;

    private Pair pair;
    private Thread responder;
    private long round;

    /** Two keys, one value each way: set a value, wait for a value, as the engine and the baseline do it. */
    interface Pair extends AutoCloseable {
        void set(String key, long value);

        /** Waits until {@code key} holds {@code value} or {@link #STOP}; returns what it holds. */
        long await(String key, long value) throws InterruptedException;

        @Override
        void close();
    }

    @Setup(Level.Trial)
    public void start() {
        pair = impl == Impl.engine ? new EnginePair() : new MonitorPair();
        pair.set("ping", 0);
        pair.set("pong", 0);
        responder = new Thread(this::respond, "pong");
        responder.setDaemon(true);
        responder.start();
    }

    private void respond() {
        try {
            for (long expected = 1; ; expected++) {
                if (pair.await("ping", expected) == STOP) {
                    return;
                }
                pair.set("pong", expected);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        pair.set("ping", STOP);
        responder.join();
        pair.close();
    }

    @Benchmark
    public long roundTrip() throws InterruptedException {
        long n = ++round;
        pair.set("ping", n);
        return pair.await("pong", n);
    }

    private static final class EnginePair implements Pair {
        private final Storage storage = Storage.open("memory:");
        private final Datastore store = storage.datastore("await");

        @Override
        public void set(String key, long value) {
            store.set(key, value);
        }

        @Override
        public long await(String key, long value) {
            // a user's read: value() copies, which for a number is the node itself
            return store.awaitMatch(key, node -> node.asLong() == value || node.asLong() == STOP, PATIENCE)
                    .value()
                    .asLong();
        }

        @Override
        public void close() {
            storage.close();
        }
    }

    private static final class MonitorPair implements Pair {
        private final Map<String, Long> values = new HashMap<>();

        @Override
        public synchronized void set(String key, long value) {
            values.put(key, value);
            notifyAll();
        }

        @Override
        public synchronized long await(String key, long value) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            long current;
            while ((current = values.get(key)) != value && current != STOP) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no " + key + " = " + value + " within " + PATIENCE);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return current;
        }

        @Override
        public void close() {}
    }
}
