package io.github.datastore4j.backend.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import sqliteapp.Incrementer;

/**
 * One of several writer processes on one file is killed with {@code kill -9} mid-commit (it commits all the time);
 * the others go on and finish, and the counter holds every acknowledged increment and at most the killed process's
 * in-flight ones — SQLite's WAL undoes the killed writer's open transaction, and the OS releases its lock.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SqliteWriterKillTest {
    private static final int SURVIVORS = 2;
    private static final int THREADS = 4;
    private static final int COUNT = 150;

    @TempDir
    Path directory;

    /** A child and the count of its {@code ack} lines, read on a thread of its own. */
    private record Child(Process process, AtomicLong acks, CountDownLatch ready, CompletableFuture<String> end) {
        static Child start(String uri, int count) throws Exception {
            Process process = new ProcessBuilder(ChildProcesses.onClassPath(
                            List.of(), Incrementer.class, uri, "n", Integer.toString(THREADS), Integer.toString(count)))
                    .redirectErrorStream(true)
                    .start();
            Child child = new Child(process, new AtomicLong(), new CountDownLatch(1), new CompletableFuture<>());
            Thread reader = new Thread(() -> {
                StringBuilder other = new StringBuilder();
                try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.equals("ack")) {
                            child.acks.incrementAndGet();
                        } else if (line.equals("ready")) {
                            child.ready.countDown();
                        } else {
                            other.append(line).append('\n');
                        }
                    }
                } catch (Exception e) {
                    other.append(e);
                }
                child.end.complete(other.toString());
            });
            reader.setDaemon(true);
            reader.start();
            return child;
        }
    }

    @RepeatedTest(2)
    @DisplayName("killing one of three writer processes mid-commit: the others finish, every acknowledged increment"
            + " is there, and nothing else but the killed one's in-flight increments")
    void killOneWriterOthersGoOn() throws Exception {
        String uri = TestStores.uri(directory);
        try (Storage storage = Storage.open(uri)) {
            storage.datastore("counters").set("n", 0);
        }
        Child victim = Child.start(uri, 0);
        List<Child> survivors = new ArrayList<>();
        for (int i = 0; i < SURVIVORS; i++) {
            survivors.add(Child.start(uri, COUNT));
        }
        try {
            assertThat(victim.ready().await(1, TimeUnit.MINUTES)).isTrue();
            long target = 50 + new Random().nextInt(200);
            while (victim.acks().get() < target && victim.process().isAlive()) {
                Thread.onSpinWait(); // acks arrive every few milliseconds; the kill lands at a random commit
            }
            victim.process().toHandle().destroyForcibly(); // SIGKILL
            assertThat(victim.process().waitFor(1, TimeUnit.MINUTES)).isTrue();
            victim.end().get(1, TimeUnit.MINUTES);
            long victimAcks = victim.acks().get();
            long survivorAcks = 0;
            for (Child survivor : survivors) {
                String output = survivor.end().get(2, TimeUnit.MINUTES);
                assertThat(survivor.process().waitFor(1, TimeUnit.MINUTES)).isTrue();
                assertThat(survivor.process().exitValue()).as(output).isZero();
                assertThat(output).contains("done");
                survivorAcks += survivor.acks().get();
            }
            assertThat(survivorAcks).isEqualTo((long) SURVIVORS * THREADS * COUNT);
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("counters");
                assertThat(storage.quarantined()).isEmpty();
                Document n = store.getLatest("n").orElseThrow();
                long acknowledged = survivorAcks + victimAcks;
                assertThat(n.value().asLong())
                        .as("acknowledged %d (killed writer %d)", acknowledged, victimAcks)
                        .isBetween(acknowledged, acknowledged + THREADS);
                assertThat(n.rev())
                        .as("one revision per increment, after the set")
                        .isEqualTo(n.value().asLong() + 1);
            }
        } finally {
            victim.process().destroyForcibly();
            survivors.forEach(s -> s.process().destroyForcibly());
        }
    }
}
