package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another process's commit wakes this process's change listener ({@link ChangeSignal}), every time. Prints the
 * latency from just before the other process's write to the wake-up (its commit included) as p50/p99/max; asserts
 * no timing (unit tests never do). {@code -Ddatastore4j.sqlite.wakeups=N} sets the count (default 300).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SqliteWakeUpLatencyTest {
    @TempDir
    Path directory;

    private static String percentiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return String.format(
                "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                sorted[n / 2] / 1e6,
                sorted[n * 9 / 10] / 1e6,
                sorted[Math.min(n - 1, n * 99 / 100)] / 1e6,
                sorted[n - 1] / 1e6);
    }

    @Test
    @DisplayName("every commit of another process wakes this process's change listener")
    void otherProcessCommitsWakeListeners() throws Exception {
        int count = Integer.getInteger("datastore4j.sqlite.wakeups", 300);
        Path file = TestStores.file(directory);
        AtomicReference<CompletableFuture<Long>> woken = new AtomicReference<>(new CompletableFuture<>());
        int warmUp = count / 10; // both JVMs' first commits run interpreted: measured apart from the rest
        long[] latencies = new long[count - warmUp];
        long[] afterAck = new long[count - warmUp];
        try (SqliteBackend backend = TestStores.open(file);
                AutoCloseable listener = backend.onChanges(() -> woken.get().complete(System.nanoTime()))) {
            Process child = new ProcessBuilder(
                            ChildProcesses.onClassPath(List.of(), CommitPinger.class, file.toString()))
                    .redirectErrorStream(true)
                    .start();
            try {
                BufferedReader lines =
                        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                PrintStream commands = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
                assertThat(lines.readLine()).isEqualTo("ready");
                for (int i = 0; i < count; i++) {
                    CompletableFuture<Long> next = new CompletableFuture<>();
                    woken.set(next);
                    commands.println("go");
                    long at = next.get(30, TimeUnit.SECONDS);
                    String done = lines.readLine();
                    assertThat(done).startsWith("done ");
                    long before = Long.parseLong(new String(
                            backend.read("ns", "t").join().orElseThrow().value(), StandardCharsets.UTF_8));
                    if (i >= warmUp) {
                        latencies[i - warmUp] = at - before;
                        afterAck[i - warmUp] = at - before - Long.parseLong(done.substring(5));
                    }
                }
                commands.close();
                assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
            } finally {
                child.destroyForcibly();
            }
        }
        System.out.println("cross-process wake-up over " + latencies.length + " commits after " + warmUp
                + " warm-up ones (synchronous=NORMAL): from before the write " + percentiles(latencies)
                + "; from the writer's acknowledgement " + percentiles(afterAck));
    }
}
