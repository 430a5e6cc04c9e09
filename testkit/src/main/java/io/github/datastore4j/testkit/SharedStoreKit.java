package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * What a shared backend must give applications across real processes: extend it with a URI of a fresh shared store
 * per test and a way to drop the store's connections. Every test starts child JVMs ({@link SharedStoreWorker}) on the
 * store beside the test's own {@link Storage}.
 *
 * <p>The sizes are set for CI on two cores; {@code -Ddatastore4j.shared.increments=1000} runs the increment test at
 * 4 processes × 8 threads × 1,000.
 *
 * <pre>{@code
 * class MySharedStoreTest extends SharedStoreKit {
 *     protected String storageUri() { return "mybackend://…/fresh-store"; }
 *     protected void dropConnections() { … }
 * }
 * }</pre>
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
public abstract class SharedStoreKit {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int PROCESSES = 4;
    private static final int THREADS = 8;
    private static final int INCREMENTS = Integer.getInteger("datastore4j.shared.increments", 100);

    private final List<Process> children = new ArrayList<>();
    private final List<Storage> storages = new ArrayList<>();
    private String uri;

    /** The URI of a fresh, empty shared store; called once per test. */
    protected abstract String storageUri();

    /**
     * Drops every connection the backend's server has to the store (PostgreSQL: {@code pg_terminate_backend} of every
     * other session of the database), as a network failure or a server restart would.
     */
    protected abstract void dropConnections() throws Exception;

    private String uri() {
        if (uri == null) {
            uri = storageUri();
        }
        return uri;
    }

    private Datastore open(String namespace) {
        Storage storage = Storage.open(uri());
        storages.add(storage);
        return storage.datastore(namespace);
    }

    @AfterEach
    void stopChildren() {
        children.forEach(Process::destroyForcibly);
        storages.forEach(storage -> {
            try {
                storage.close();
            } catch (RuntimeException e) {
                // a store whose connections a test dropped may fail its close; the test has its verdict already
            }
        });
    }

    /** A child JVM running {@code job}; returns once it printed {@code ready} (its store is open). */
    private Child start(String job, String... args) throws IOException {
        String[] all = new String[args.length + 2];
        all[0] = job;
        all[1] = uri();
        System.arraycopy(args, 0, all, 2, args.length);
        Process process = ChildJvm.of(SharedStoreWorker.class, all)
                .redirectErrorStream(true)
                .start();
        children.add(process);
        Child child = new Child(process);
        child.awaitLine("ready");
        return child;
    }

    /** A child process and its output, read line by line. */
    private static final class Child {
        final Process process;
        final BufferedReader output;
        final StringBuilder seen = new StringBuilder();

        Child(Process process) {
            this.process = process;
            this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The first line starting with {@code prefix}; fails with the output so far if the process ends first. */
        String awaitLine(String prefix) throws IOException {
            for (String line; (line = output.readLine()) != null; ) {
                seen.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("child ended without printing '" + prefix + "':\n" + seen);
        }

        void awaitDone() throws IOException, InterruptedException {
            awaitLine("done");
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("child exits").isTrue();
            assertThat(process.exitValue())
                    .as("child's exit status; its output:\n" + seen)
                    .isZero();
        }
    }

    @Test
    @DisplayName("increments from 4 processes × 8 threads sum exactly")
    void incrementsFromProcessesSumExactly() throws Exception {
        Datastore mine = open("counters");
        List<Child> workers = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            workers.add(
                    start("increment", "counters", "hits", Integer.toString(THREADS), Integer.toString(INCREMENTS)));
        }
        for (Child worker : workers) {
            worker.awaitDone();
        }
        long expected = (long) PROCESSES * THREADS * INCREMENTS;
        Document total = mine.getLatest("hits").orElseThrow();
        assertThat(total.value().asLong()).isEqualTo(expected);
        assertThat(total.rev())
                .as("one revision per increment: none lost, none doubled")
                .isEqualTo(expected);
    }

    @Test
    @DisplayName("read-modify-write with put(key, value, rev) from 4 processes: each CONFLICT retried, none lost")
    void casRacesAcrossProcesses() throws Exception {
        Datastore mine = open("cas");
        mine.set("n", 0);
        List<Child> workers = new ArrayList<>();
        int each = 50;
        for (int p = 0; p < PROCESSES; p++) {
            workers.add(start("cas", "cas", "n", Integer.toString(each)));
        }
        for (Child worker : workers) {
            worker.awaitDone();
        }
        assertThat(mine.getLatest("n").orElseThrow().value().asLong()).isEqualTo((long) PROCESSES * each);
    }

    @Test
    @DisplayName("a worker swarm across processes: workers wait for the coordinator, the coordinator for the workers")
    void workerSwarmAcrossProcesses() throws Exception {
        Datastore coordinator = open("swarm");
        int tasks = 60;
        List<Child> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            workers.add(start("worker", "swarm", "w" + w));
        }
        for (int t = 0; t < tasks; t++) {
            coordinator.set("task-" + t, t);
        }
        coordinator.set("tasks", tasks);
        coordinator.set("go", true); // wakes the workers' awaitValue in their processes
        Document completed = coordinator.awaitValue("completed", tasks, WAIT); // woken by their increments
        assertThat(completed.value().asInt()).isEqualTo(tasks);
        for (Child worker : workers) {
            worker.awaitDone();
        }
        JsonNode results = coordinator.getLatest("results").orElseThrow().value();
        assertThat(results).hasSize(tasks);
        Set<Integer> done = new HashSet<>();
        results.forEach(result -> {
            int task = result.get("task").asInt();
            assertThat(result.get("square").asInt()).isEqualTo(task * task);
            assertThat(done.add(task)).as("task " + task + " done once").isTrue();
        });
    }

    @Test
    @DisplayName("a session holder killed with kill -9 loses the key when its lease runs out; another takes over")
    void leaseTakeoverAfterKill() throws Exception {
        Datastore mine = open("players");
        Child holder = start("hold", "players", "ann", "1500");
        long oldToken = Long.parseLong(holder.awaitLine("held ").substring("held ".length()));
        assertThatThrownBy(() -> mine.acquire("ann", Duration.ofSeconds(5)))
                .as("held by the other process")
                .isInstanceOf(LockedException.class);
        assertThatThrownBy(() -> mine.set("ann", 1))
                .as("a plain write to a key another process's session holds")
                .isInstanceOf(LockedException.class);
        holder.process.destroyForcibly(); // SIGKILL: no release, no close
        assertThat(holder.process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        try (Session taken = mine.acquire("ann", Duration.ofSeconds(30), WAIT)) { // waits out the lease
            assertThat(taken.token()).isGreaterThan(oldToken);
            assertThat(taken.value().get("holder").asLong())
                    .as("starts from what the killed holder saved")
                    .isEqualTo(holder.process.pid());
            taken.set(java.util.Map.of("holder", "me"));
            taken.save();
        }
        assertThat(mine.getLatest("ann").orElseThrow().value().get("holder").asString())
                .isEqualTo("me");
    }

    @Test
    @DisplayName(
            "after the store's connections drop, writes fail or succeed honestly and the feed resumes: nothing missed")
    void feedResumesAfterDroppedConnections() throws Exception {
        Datastore writer = open("resume");
        Datastore reader = open("resume");
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        reader.subscribe((key, document) -> {
            if (document != null) {
                seen.add(document.value().asInt());
            }
        });
        int acknowledged = 0;
        int last = 0;
        for (int i = 1; i <= 40; i++) {
            if (i == 20) {
                dropConnections();
            }
            try {
                writer.set("k", i);
                acknowledged++;
                last = i;
            } catch (DatastoreException e) {
                // a write on a dropped connection fails with BACKEND; the next call reconnects
            }
        }
        assertThat(acknowledged).as("writes after the drop succeed again").isGreaterThan(20);
        Document seenLast = reader.awaitValue("k", last, WAIT);
        assertThat(seenLast.value().asInt()).isEqualTo(last);
        CompletableFuture<Document> stays = reader.async().awaitValue("k", last, Duration.ofSeconds(1));
        assertThat(stays.get(30, TimeUnit.SECONDS).value().asInt()).isEqualTo(last);
        assertThat(seen)
                .as("each change once, in order")
                .isSorted()
                .doesNotHaveDuplicates()
                .endsWith(last);
    }
}
