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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@code sync} durability by killing a real child JVM ({@link CrashWriter}) with {@code destroyForcibly} at
 * random moments, then reopening the store in this JVM and checking that it opens clean and holds every write the
 * child saw acknowledged. The cycles share one store, so each also recovers from all the crashes before it.
 *
 * <p>Extend it and implement {@link #storageUri(Path)}. {@code -Ddatastore4j.crash.cycles=N} runs more cycles (default
 * 50); {@code -Ddatastore4j.crash.seed=S} replays a run.
 */
public abstract class CrashRecoveryKit {
    @TempDir
    protected Path directory;

    /** The URI of the store under test, in {@code sync} durability, keeping its data under {@code directory}. */
    protected abstract String storageUri(Path directory);

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    @DisplayName("every acknowledged write survives kill -9 of the writer, and the store reopens clean")
    void acknowledgedWritesSurviveKill() throws Exception {
        int cycles = Integer.getInteger("datastore4j.crash.cycles", 50);
        long seed = Long.getLong("datastore4j.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        String uri = storageUri(directory.resolve("store"));
        long next = 0;
        long counter = 0;
        int totalAcks = 0;
        int inFlightLanded = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            int killAfter = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(60);
            List<long[]> acks = runAndKill(uri, next, killAfter);
            totalAcks += acks.size();
            String context = "cycle " + cycle + " (seed " + seed + ", killed after " + acks.size() + " acks)";
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("crash");
                for (long[] ack : acks) {
                    assertThat(store.get("k" + ack[0], Long.class)).as(context).contains(ack[0]);
                }
                long reopened = store.get("counter", Long.class).orElse(0L);
                long lastAcked = acks.isEmpty() ? counter : acks.get(acks.size() - 1)[1];
                // the one increment in flight at the kill may or may not have landed; nothing else may be missing
                assertThat(reopened).as(context).isBetween(lastAcked, lastAcked + 1);
                inFlightLanded += (int) (reopened - lastAcked);
                counter = reopened;
                next = next + acks.size() + 1;
            }
        }
        assertThat(totalAcks).as("acknowledged writes over %d cycles", cycles).isGreaterThan(cycles);
        System.out.printf(
                "crash recovery of %s: %d kill cycles, %d acknowledged writes all found, %d unacknowledged increments"
                        + " landed, seed %d%n",
                getClass().getSimpleName(), cycles, totalAcks, inFlightLanded, seed);
    }

    /** Starts a writer, reads its acks until {@code killAfter} of them, kills it, and returns the acks it printed. */
    private List<long[]> runAndKill(String uri, long first, int killAfter) throws IOException, InterruptedException {
        Path errors = directory.resolve("writer.err");
        Process child = ChildJvm.of(CrashWriter.class, uri, Long.toString(first))
                .redirectError(errors.toFile())
                .start();
        List<long[]> acks = new ArrayList<>();
        boolean opened = false;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.equals("open")) {
                    opened = true;
                } else if (line.startsWith("ack ")) {
                    String[] parts = line.split(" ");
                    acks.add(new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
                }
                if (opened && acks.size() >= killAfter) {
                    break;
                }
            }
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of its stdout
            child.toHandle().destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
            // acks printed between our last read and the kill were acknowledged too
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("ack ")) {
                    String[] parts = line.split(" ");
                    acks.add(new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
                }
            }
        }
        assertThat(child.isAlive()).isFalse();
        assertThat(opened && acks.size() >= killAfter)
                .as(
                        "the writer died by itself after %d of %d acks; its stderr:%n%s",
                        acks.size(), killAfter, Files.readString(errors))
                .isTrue();
        return acks;
    }
}
