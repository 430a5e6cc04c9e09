package io.github.datastore4j.backend.h2;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code sync} durability under load: {@link LoadedCrashWriter} runs {@value LoadedCrashWriter#THREADS} writer threads
 * (sync sets, increments, updates, deletes and bursts of async sets, so group commits are large) over a store
 * prefilled with {@value #PREFILL} records, and is killed with SIGKILL at a random moment.
 * Reopened, the store must hold every acknowledged write. SIGKILL keeps the page cache, so a loss here means the
 * write was acknowledged before H2 had even written it.
 *
 * <p>{@code -Ddatastore4j.h2.crash.cycles=N} (default 3) and {@code -Ddatastore4j.h2.crash.seed=S} to replay.
 */
class H2LoadedCrashTest {
    private static final int PREFILL = 40_000;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    @DisplayName("every write acknowledged by eight loaded writer threads survives SIGKILL at a random moment")
    void acknowledgedWritesSurviveKillUnderLoad() throws Exception {
        int cycles = Integer.getInteger("datastore4j.h2.crash.cycles", 3);
        long seed = Long.getLong("datastore4j.h2.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String uri = "h2:" + directory.resolve("store").resolve("db");
        prefill(uri);
        long started = System.nanoTime();
        int acknowledged = 0;
        List<String> lost = new ArrayList<>();
        for (int cycle = 0; cycle < cycles; cycle++) {
            Acks acks = runAndKill(uri, cycle, random.nextInt(4_000));
            acknowledged += acks.count;
            try (Storage storage = Storage.open(uri)) {
                lost.addAll(missing(storage.datastore("crash"), acks, "cycle " + cycle));
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                "h2 loaded crash test: %d cycles, %d acknowledged writes checked, %d lost, seed %d, %.1f s%n",
                cycles, acknowledged, lost.size(), seed, seconds);
        assertThat(lost)
                .as("acknowledged writes missing after SIGKILL (%d of %d, seed %d)", lost.size(), acknowledged, seed)
                .isEmpty();
    }

    private static void prefill(String uri) {
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("crash");
            List<CompletableFuture<?>> writes = new ArrayList<>(PREFILL);
            for (int i = 0; i < PREFILL; i++) {
                writes.add(store.async().set("p" + i, "prefilled value number " + i));
            }
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
        }
    }

    /** What the child printed: sets, the highest counter values, deletes started and acknowledged. */
    private static final class Acks {
        final Map<String, Long> sets = new HashMap<>();
        final Map<String, Long> counters = new HashMap<>();
        final Map<String, Long> updates = new HashMap<>();
        final Map<String, Long> bursts = new HashMap<>();
        final Set<String> deleting = new HashSet<>();
        final Set<String> deleted = new HashSet<>();
        int count;

        void read(String line) {
            String[] parts = line.split(" ");
            switch (parts[0]) {
                case "S" -> sets.put(parts[1], Long.parseLong(parts[2]));
                case "C" -> counters.merge("c" + parts[1], Long.parseLong(parts[2]), Math::max);
                case "U" -> updates.merge("u" + parts[1], Long.parseLong(parts[2]), Math::max);
                case "B" -> bursts.merge(parts[1], Long.parseLong(parts[2]), Math::max);
                case "P" -> deleting.add(parts[1]);
                case "D" -> deleted.add(parts[1]);
                default -> {
                    return;
                }
            }
            if (!parts[0].equals("P")) {
                count++;
            }
        }
    }

    private static List<String> missing(Datastore store, Acks acks, String context) {
        List<String> lost = new ArrayList<>();
        acks.sets.forEach((key, value) -> {
            if (acks.deleting.contains(key)) {
                return; // a delete of it had started: present or absent are both right
            }
            if (!store.get(key, Long.class).equals(java.util.Optional.of(value))) {
                lost.add(context + ": set " + key + " = " + value);
            }
        });
        for (String key : acks.deleted) {
            if (store.contains(key)) {
                lost.add(context + ": delete of " + key);
            }
        }
        acks.counters.forEach((key, value) -> {
            long stored = store.get(key, Long.class).orElse(0L);
            if (stored < value) {
                lost.add(context + ": increment of " + key + " to " + value + " (found " + stored + ")");
            }
        });
        acks.updates.forEach((key, value) -> {
            long stored = store.get(key, Long.class).orElse(0L);
            if (stored < value) {
                lost.add(context + ": update of " + key + " to " + value + " (found " + stored + ")");
            }
        });
        acks.bursts.forEach((key, value) -> {
            long stored = store.get(key)
                    .filter(JsonNode::isNumber)
                    .map(JsonNode::asLong)
                    .orElse(-1L);
            if (stored < value) {
                lost.add(context + ": set of prefilled " + key + " to " + value + " (found " + stored + ")");
            }
        });
        for (int i = 0; i < PREFILL; i += 997) {
            if (!store.contains("p" + i)) {
                lost.add(context + ": prefilled p" + i);
            }
        }
        return lost;
    }

    /**
     * Starts a writer, lets it run for {@code runMillis} after it opened (the wait ends early if it dies), kills it with
     * SIGKILL and returns every acknowledgement it printed.
     */
    private Acks runAndKill(String uri, int cycle, long runMillis) throws Exception {
        Path errors = directory.resolve("writer.err");
        Process child = ChildJvm.of(LoadedCrashWriter.class, uri, Integer.toString(cycle), Integer.toString(PREFILL))
                .redirectError(errors.toFile())
                .start();
        Acks acks = new Acks();
        CountDownLatch opened = new CountDownLatch(1);
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.equals("open")) {
                        opened.countDown();
                    }
                    acks.read(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        boolean started = opened.await(2, TimeUnit.MINUTES);
        boolean diedByItself = child.waitFor(runMillis, TimeUnit.MILLISECONDS);
        child.toHandle().destroyForcibly(); // SIGKILL; Process.destroyForcibly would also close our end of stdout
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        reading.get(60, TimeUnit.SECONDS); // everything printed before the kill was acknowledged
        assertThat(started && !diedByItself)
                .as("the writer died by itself after %d acks; its stderr:%n%s", acks.count, Files.readString(errors))
                .isTrue();
        return acks;
    }
}
