package io.github.datastore4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs one body on many threads released together by a latch, for race tests that need no sleeps:
 *
 * <pre>{@code
 * ThreadRace.run(8, thread -> {
 *     for (int i = 0; i < 10_000; i++) store.increment("counter", 1);
 * });
 * }</pre>
 */
public final class ThreadRace {
    private ThreadRace() {}

    /** The body one thread runs; {@code thread} is its index, from 0. */
    @FunctionalInterface
    public interface Body {
        void run(int thread) throws Exception;
    }

    /**
     * Starts {@code threads} threads, releases them at once, waits for all and rethrows the first failure.
     *
     * @throws Exception the first body's failure, wrapped in an {@link java.util.concurrent.ExecutionException}; a
     *     {@link java.util.concurrent.TimeoutException} if a body runs longer than two minutes
     */
    public static void run(int threads, Body body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    body.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
