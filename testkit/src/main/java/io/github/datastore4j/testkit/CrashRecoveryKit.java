package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@code sync} durability the way a crash tests it: a real child JVM ({@link CrashWriter}) writes from eight
 * threads — counters, sets, updates of prefilled records, deletes, bursts of 48 async sets that make large group
 * commits — over a prefilled store, and is killed with SIGKILL at a random moment: while it opens (recovering from
 * the last kill), while it writes, in the middle of a commit. The store is then reopened in this JVM and compared,
 * key by key, with a model of every acknowledged operation ({@link CrashModel}): each key must hold its
 * acknowledged value, or the value of the one operation in flight on it, and no other key may exist. The cycles
 * share one store, so each also recovers from all the crashes before it.
 *
 * <p>Extend it and implement {@link #storageUri(Path)}. System properties: {@code datastore4j.crash.cycles} (default
 * 50), {@code datastore4j.crash.prefill} records written before the first cycle (default 5,000; the long profile
 * uses 40,000), {@code datastore4j.crash.seed} to replay a run.
 */
public abstract class CrashRecoveryKit {
    @TempDir
    protected Path directory;

    /** The URI of the store under test, in {@code sync} durability, keeping its data under {@code directory}. */
    protected abstract String storageUri(Path directory);

    @Test
    @Timeout(value = 120, unit = TimeUnit.MINUTES)
    @DisplayName("every acknowledged write survives kill -9 of a busy writer, and the store reopens clean")
    void acknowledgedWritesSurviveKill() throws Exception {
        int cycles = Integer.getInteger("datastore4j.crash.cycles", 50);
        int prefill = Integer.getInteger("datastore4j.crash.prefill", 5_000);
        long seed = Long.getLong("datastore4j.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String uri = storageUri(directory.resolve("store"));
        CrashModel model = new CrashModel();
        prefill(uri, prefill, model);
        long started = System.nanoTime();
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int cycle = 0; cycle < cycles; cycle++) {
                long acksBefore = model.acks();
                Kill kill = Kill.random(random);
                runAndKill(uri, cycle, prefill, random.nextLong(), kill, model, killer);
                String context = "cycle " + cycle + " (seed " + seed + ", " + kill + ", " + (model.acks() - acksBefore)
                        + " acks this cycle)";
                try (Storage storage = Storage.open(uri)) {
                    Datastore store = storage.datastore(CrashWriter.NAMESPACE);
                    assertThat(storage.quarantined()).as(context).isEmpty();
                    assertThat(model.check(store.snapshot())).as(context).isEmpty();
                }
            }
        } finally {
            killer.shutdownNow();
        }
        assertThat(model.acks())
                .as("acknowledged writes over %d cycles", cycles)
                .isGreaterThan(cycles);
        System.out.printf(
                "crash recovery of %s: %d kill cycles over %d prefilled records in %d s, %d acknowledged writes all"
                        + " found, %d in-flight writes landed, %d keys at the end, seed %d%n",
                getClass().getSimpleName(),
                cycles,
                prefill,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                model.acks(),
                model.landedInFlight(),
                model.size(),
                seed);
    }

    /** When to kill the writer: some time after it printed {@code open}, or some time after it started. */
    private record Kill(boolean duringOpen, long afterMillis) {
        static Kill random(Random random) {
            int dice = random.nextInt(20);
            if (dice < 2) {
                return new Kill(true, random.nextInt(1_500)); // while it recovers and loads, or just after
            }
            if (dice < 6) {
                return new Kill(false, random.nextInt(30)); // at its first commits
            }
            if (dice < 14) {
                return new Kill(false, random.nextInt(1_500));
            }
            return new Kill(false, 1_500 + random.nextInt(4_500)); // after the store's background work got going
        }

        @Override
        public String toString() {
            return "killed " + afterMillis + " ms after " + (duringOpen ? "start" : "open");
        }
    }

    private void prefill(String uri, int count, CrashModel model) {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore(CrashWriter.NAMESPACE);
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                var value = CrashWriter.prefilledValue(n);
                writes.add(store.async().set("p" + n, value));
                model.prefilled("p" + n, value);
                if (writes.size() == 1_000) {
                    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                            .join();
                    writes.clear();
                }
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Starts a writer, feeds its lines to {@code model}, kills it as {@code kill} says and reads what it left. */
    private void runAndKill(
            String uri, int cycle, int prefill, long seed, Kill kill, CrashModel model, ScheduledExecutorService killer)
            throws IOException, InterruptedException {
        Path errors = directory.resolve("writer.err");
        Process child = ChildJvm.of(
                        CrashWriter.class, uri, Integer.toString(cycle), Integer.toString(prefill), Long.toString(seed))
                .redirectError(errors.toFile())
                .start();
        Runnable sigkill = () -> child.toHandle().destroyForcibly(); // not destroyForcibly(): that closes our pipe
        if (kill.duringOpen()) {
            killer.schedule(sigkill, kill.afterMillis(), TimeUnit.MILLISECONDS);
        }
        boolean opened = false;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.equals("open")) {
                    opened = true;
                    if (!kill.duringOpen()) {
                        killer.schedule(sigkill, kill.afterMillis(), TimeUnit.MILLISECONDS);
                    }
                } else if (!model.accept(line)) {
                    throw new IllegalStateException("unexpected line from the writer: " + line);
                }
            }
        } finally {
            child.toHandle().destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
        }
        // a writer that died by itself (exit code 3, or any other) failed on its own: its stderr says why
        boolean killed = child.exitValue() == 128 + 9; // SIGKILL
        assertThat(killed && (opened || kill.duringOpen()))
                .as(
                        "the writer of cycle %d ended by itself (exit %d) instead of being killed; its stderr:%n%s",
                        cycle, child.exitValue(), Files.readString(errors))
                .isTrue();
    }
}
