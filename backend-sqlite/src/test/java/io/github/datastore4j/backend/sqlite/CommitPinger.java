package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A child JVM's program for {@link SqliteWakeUpLatencyTest}: for each {@code go} line on stdin it commits key {@code t}
 * with the value {@link System#nanoTime()} read just before the write (the same clock in every process on Linux),
 * then prints {@code done} and how long the write took, in nanoseconds. Durability {@code none} ({@code synchronous=NORMAL}), so that no fsync is timed.
 */
public final class CommitPinger {
    private CommitPinger() {}

    public static void main(String[] args) throws Exception {
        SqliteTarget target = SqliteBackendProvider.target(
                args[0], StorageOptions.builder().set("durability", "none").build());
        try (SqliteBackend backend = SqliteBackend.open(target);
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            System.out.println("ready");
            System.out.flush();
            long rev = 0;
            for (String line; (line = in.readLine()) != null && line.equals("go"); ) {
                long now = System.nanoTime();
                Record record =
                        Record.of("ns", "t", ++rev, 1, Long.toString(now).getBytes(StandardCharsets.UTF_8));
                backend.writeConditionally(List.of(
                                ConditionalWrite.expecting(Mutation.put("ns", record), ConditionalWrite.ANY_REV)))
                        .join();
                System.out.println("done " + (System.nanoTime() - now));
                System.out.flush();
            }
        }
    }
}
