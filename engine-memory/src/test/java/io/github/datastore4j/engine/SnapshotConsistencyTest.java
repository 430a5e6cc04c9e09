package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A snapshot is one instant of the whole namespace. Writers set k0 … k9 to round r, in that order, round after
 * round; at any instant the values read k0 ≥ k1 ≥ … ≥ k9 ≥ k0 − 1. A per-key walk racing the writers breaks that (it
 * can read k0 before a round and k9 after it), so every snapshot taken meanwhile must keep it.
 */
class SnapshotConsistencyTest {
    private static final int KEYS = 10;

    @Test
    @DisplayName("snapshots taken while writers move keys forward are each one instant")
    void snapshotsAreConsistent() throws Exception {
        try (Storage storage = Storage.open("memory:")) {
            Datastore store = storage.datastore("ns");
            for (int i = 0; i < KEYS; i++) {
                store.set("k" + i, 0);
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            // one writer moves k0 … k9 forward; another changes other keys, so changes of different keys overlap
            Thread mover = new Thread(() -> {
                for (long round = 1; !stop.get(); round++) {
                    for (int i = 0; i < KEYS; i++) {
                        store.set("k" + i, round);
                    }
                }
            });
            Thread churn = new Thread(() -> {
                for (long n = 0; !stop.get(); n++) {
                    store.set("other" + (n % 100), n);
                }
            });
            writers.add(mover);
            writers.add(churn);
            writers.forEach(Thread::start);
            try {
                long lastRound = 0;
                for (int s = 0; s < 10_000; s++) {
                    SortedMap<String, Document> snapshot = store.snapshot();
                    long first = snapshot.get("k0").value().asLong();
                    long previous = first;
                    for (int i = 1; i < KEYS; i++) {
                        long value = snapshot.get("k" + i).value().asLong();
                        assertThat(value)
                                .as("snapshot %d: k%d after k%d=%d in %s", s, i, i - 1, previous, snapshot.keySet())
                                .isLessThanOrEqualTo(previous)
                                .isGreaterThanOrEqualTo(first - 1);
                        previous = value;
                    }
                    assertThat(first).as("rounds never go back").isGreaterThanOrEqualTo(lastRound);
                    lastRound = first;
                }
                assertThat(lastRound)
                        .as("the writer made progress during the snapshots")
                        .isPositive();
            } finally {
                stop.set(true);
                for (Thread writer : writers) {
                    writer.join();
                }
            }
        }
    }
}
