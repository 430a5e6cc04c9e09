package io.github.datastore4j.backend.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelWriterTest {

    @Test
    void runsEveryTaskOnceAndReturnsTheFoldersChanged() throws IOException {
        AtomicIntegerArray runs = new AtomicIntegerArray(1_000);
        try (ParallelWriter writer = new ParallelWriter(8, "test")) {
            Set<Path> folders = writer.run(1_000, i -> {
                runs.incrementAndGet(i);
                return i % 3 == 0 ? null : Path.of("folder" + i % 3);
            });
            assertThat(folders).containsExactlyInAnyOrder(Path.of("folder1"), Path.of("folder2"));
        }
        for (int i = 0; i < runs.length(); i++) {
            assertThat(runs.get(i)).as("task %d", i).isEqualTo(1);
        }
    }

    @Test
    void writesFilesConcurrently() throws IOException {
        CountDownLatch bothStarted = new CountDownLatch(2);
        try (ParallelWriter writer = new ParallelWriter(2, "test")) {
            writer.run(2, i -> {
                bothStarted.countDown();
                try {
                    // only true if the two tasks run at the same time; sequential tasks would wait out the timeout
                    assertThat(bothStarted.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return null;
            });
        }
    }

    @Test
    void oneThreadRunsEverythingOnTheCaller() throws IOException {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        try (ParallelWriter writer = new ParallelWriter(1, "test")) {
            writer.run(100, i -> {
                seen.add(Thread.currentThread());
                return null;
            });
        }
        assertThat(seen).containsExactly(Thread.currentThread());
    }

    @Test
    void aFailureStopsTheBatchAfterEveryRunningTaskFinished() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        try (ParallelWriter writer = new ParallelWriter(4, "test")) {
            assertThatThrownBy(() -> writer.run(10_000, i -> {
                        running.incrementAndGet();
                        started.incrementAndGet();
                        try {
                            if (i == 50) {
                                throw new IOException("disk full writing file 50");
                            }
                            return null;
                        } finally {
                            running.decrementAndGet();
                        }
                    }))
                    .isInstanceOf(IOException.class)
                    .hasMessage("disk full writing file 50");
            assertThat(running).as("tasks still running after run() returned").hasValue(0);
            assertThat(started.get()).as("tasks started after the failure").isLessThan(10_000);
        }
    }

    @Test
    void refusesNoThreads() {
        assertThatThrownBy(() -> new ParallelWriter(0, "test"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
