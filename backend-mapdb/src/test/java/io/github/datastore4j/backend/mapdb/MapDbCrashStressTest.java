package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.AsyncDatastore;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM ({@link MapDbStressWriter}: 8 writer threads, bursts of async sets, over 40,000 prefilled records)
 * with SIGKILL after a random number of acknowledged writes, reopens the store here and checks every key against
 * what the child saw acknowledged. The store lives on tmpfs when there is one ({@code /dev/shm}): there fsync is
 * free, so most of a commit is MapDB writing its file back and a kill lands there often.
 *
 * <p>{@code -Dmapdb.stress.cycles=N} (default 5), {@code -Dmapdb.stress.seed=S} replays a run,
 * {@code -Dmapdb.stress.dir=D} puts the store elsewhere (a real disk).
 */
class MapDbCrashStressTest {
    private static final int THREADS = 8;
    private static final int BURST = 48;
    private static final int PREFILLED = 40_000;

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    @DisplayName("acknowledged writes of 8 threads over 40,000 records survive SIGKILL at random moments")
    void acknowledgedWritesSurviveKillUnderLoad() throws Exception {
        int cycles = Integer.getInteger("mapdb.stress.cycles", 5);
        long seed = Long.getLong("mapdb.stress.seed", System.nanoTime());
        Random random = new Random(seed);
        Path base = Path.of(System.getProperty(
                "mapdb.stress.dir", Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : temp.toString()));
        Path directory = Files.createTempDirectory(base, "mapdb-stress");
        String uri = "mapdb:" + directory.resolve("app.mapdb");
        Map<String, String> acked = new HashMap<>();
        prefill(uri, acked);
        long checked = 0;
        long started = System.nanoTime();
        try {
            for (int cycle = 0; cycle < cycles; cycle++) {
                int killAfter = 1 + random.nextInt(random.nextBoolean() ? 300 : 3000);
                Map<String, Set<String>> tried = new HashMap<>();
                String context = "cycle " + cycle + " (seed " + seed + ")";
                int acks = runAndKill(uri, cycle, killAfter, acked, tried, directory.resolve("writer.err"), context);
                context += ", killed after " + acks + " acks";
                try (Storage storage = Storage.open(uri)) {
                    Datastore store = storage.datastore("stress");
                    Set<String> keys = new HashSet<>(acked.keySet());
                    keys.addAll(tried.keySet());
                    for (String key : keys) {
                        Optional<Long> found = store.get(key, Long.class);
                        String actual = found.map(String::valueOf).orElse("-");
                        Set<String> allowed = new HashSet<>(tried.getOrDefault(key, Set.of()));
                        allowed.add(acked.getOrDefault(key, "-"));
                        assertThat(allowed).as(context + ": key " + key).contains(actual);
                        if (!actual.equals("-")) {
                            acked.put(key, actual);
                        } else {
                            acked.remove(key);
                        }
                    }
                    checked += acks;
                }
            }
        } finally {
            System.out.printf(
                    "mapdb crash stress: %d cycles, %d acknowledged writes checked, seed %d, %d s%n",
                    cycles, checked, seed, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(file -> file.toFile().delete());
            }
        }
    }

    private static void prefill(String uri, Map<String, String> acked) {
        try (Storage storage = Storage.open(uri)) {
            AsyncDatastore store = storage.datastore("stress").async();
            List<CompletableFuture<?>> sets = new ArrayList<>();
            for (int i = 0; i < PREFILLED; i++) {
                sets.add(store.set("p" + i, 0L));
                acked.put("p" + i, "0");
            }
            CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Runs a writer until {@code killAfter} acks, kills it, and records every ack and every try after the last ack. */
    private static int runAndKill(
            String uri,
            int run,
            int killAfter,
            Map<String, String> acked,
            Map<String, Set<String>> tried,
            Path errors,
            String context)
            throws IOException, InterruptedException {
        Process child = ChildJvm.of(
                        MapDbStressWriter.class,
                        uri,
                        Integer.toString(run),
                        Integer.toString(THREADS),
                        Integer.toString(BURST),
                        Integer.toString(PREFILLED))
                .redirectError(errors.toFile())
                .start();
        int acks = 0;
        boolean opened = false;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean killed = false;
            while ((line = lines.readLine()) != null) {
                if (line.equals("open")) {
                    opened = true;
                    continue;
                }
                String[] parts = line.split(" ");
                if (parts[0].equals("try")) {
                    tried.computeIfAbsent(parts[1], k -> new HashSet<>()).add(parts[2]);
                } else if (parts[0].equals("ack")) {
                    acks++;
                    tried.remove(parts[1]);
                    if (parts[2].equals("-")) {
                        acked.remove(parts[1]);
                    } else {
                        acked.put(parts[1], parts[2]);
                    }
                }
                if (!killed && acks >= killAfter) {
                    // SIGKILL through the handle, keep reading what it printed before it died
                    child.toHandle().destroyForcibly();
                    killed = true;
                }
            }
            child.waitFor(60, TimeUnit.SECONDS);
        }
        assertThat(opened && acks >= killAfter)
                .as(
                        "%s: the writer died by itself after %d of %d acks; its stderr:%n%s",
                        context, acks, killAfter, Files.readString(errors))
                .isTrue();
        return acks;
    }
}
