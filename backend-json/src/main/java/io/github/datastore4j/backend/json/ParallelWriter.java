package io.github.datastore4j.backend.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one batch's file writes on a few threads. Every file needs its own {@code fsync}; issued one after another
 * each waits for its own journal commit, issued together the file system folds them into few — this is what lets
 * the json backend's group commit pay off. The files of a batch are distinct, so their order does not matter.
 *
 * <p><b>Concurrency contract.</b> {@link #run} is called by one thread at a time (the backend's writer); it returns
 * only when every task it started has finished, having run a share of them on the calling thread, so nothing of a
 * batch is still being written once it returns, failed or not. Threads start on first need, are daemons, and stop on
 * {@link #close()}.
 */
final class ParallelWriter implements AutoCloseable {
    /** Enough to overlap fsyncs on a disk or SSD; the threads wait on I/O, not on the cores. */
    static final int DEFAULT_THREADS = 8;

    /** Writes file {@code index} of a batch; returns the folder whose entries changed, or {@code null}. */
    @FunctionalInterface
    interface FileTask {
        Path write(int index) throws IOException;
    }

    private final int threads;
    private final ExecutorService helpers;

    ParallelWriter(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("write threads must be at least 1, was " + threads);
        }
        this.threads = threads;
        AtomicInteger created = new AtomicInteger();
        this.helpers = threads == 1
                ? null
                : Executors.newFixedThreadPool(threads - 1, task -> {
                    Thread thread = new Thread(task, name + " #" + created.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Runs tasks {@code 0 … count-1}, each once, and returns the folders they changed. On failure no further task
     * starts, the running ones finish, and the first failure is thrown with the others suppressed.
     */
    Set<Path> run(int count, FileTask task) throws IOException {
        Path[] changed = new Path[count];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Runnable lane = () -> {
            for (int i; !failed.get() && (i = next.getAndIncrement()) < count; ) {
                try {
                    changed[i] = task.write(i);
                } catch (IOException e) {
                    failed.set(true);
                    throw new UncheckedIOException(e);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }
        };
        int lanes = Math.min(threads, count);
        Future<?>[] others = new Future<?>[Math.max(0, lanes - 1)];
        for (int l = 0; l < others.length; l++) {
            others[l] = helpers.submit(lane);
        }
        Throwable failure = null;
        try {
            lane.run();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> other : others) {
            for (; ; ) {
                try {
                    other.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the batch must be over before returning: keep waiting
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof UncheckedIOException) {
            IOException cause = ((UncheckedIOException) failure).getCause();
            for (Throwable suppressed : failure.getSuppressed()) {
                cause.addSuppressed(suppressed);
            }
            throw cause;
        }
        if (failure instanceof RuntimeException) {
            throw (RuntimeException) failure;
        }
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        Set<Path> folders = new LinkedHashSet<>();
        for (Path folder : changed) {
            if (folder != null) {
                folders.add(folder);
            }
        }
        return folders;
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdown();
            try {
                helpers.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
