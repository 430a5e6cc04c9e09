package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a durable backend does when the disk fills up, on a real small file system ({@link SmallDisk}; needs root,
 * skipped elsewhere). Over several rounds, with the storage left open throughout a round: the disk is filled, writes
 * go on in bursts of async sets that share group commits — new keys and overwrites of old ones — until several have
 * failed, the space is freed, and the storage writes again. Then it is closed and reopened. Each failed write must be {@link ErrorCode#BACKEND} naming the
 * cause ("No space left on device"); after the reopen every acknowledged value is there and no refused one is; the
 * storage either writes again once space is free or fails every later call with a clear error; and the store always
 * opens again.
 *
 * <p>Extend it and implement {@link #storageUri(Path)}; a {@code sync} store under the given folder.
 */
public abstract class FullDiskKit {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String PAD = "f".repeat(2_000);
    private static final int ROUNDS = 4;
    private static final int FAILURES_PER_ROUND = 5;
    private static final int MAX_WRITES_PER_ROUND = 5_000;
    private static final int BURST = 16;

    @TempDir
    protected Path directory;

    /** The URI of a {@code sync} store kept under {@code directory}. */
    protected abstract String storageUri(Path directory);

    /** The size of the small disk; room for the empty store and a few hundred small documents. */
    protected long diskBytes() {
        return 8L << 20;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    @DisplayName("a full disk fails writes with BACKEND naming it, keeps nothing refused, and never breaks the store")
    void fullDisk() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(directory.resolve("disk"), diskBytes())) {
            String uri = storageUri(disk.path().resolve("store"));
            Map<String, String> acknowledged = new HashMap<>();
            Map<String, Set<String>> refused = new HashMap<>();
            try (Storage storage = Storage.open(uri)) {
                Datastore store = storage.datastore("full");
                for (int i = 0; i < 20; i++) {
                    write(store, "k" + i, value(-1, i), acknowledged, refused);
                }
            }
            for (int round = 0; round < ROUNDS; round++) {
                String context = "round " + round;
                try (Storage storage = Storage.open(uri)) {
                    Datastore store = storage.datastore("full");
                    disk.fill();
                    List<DatastoreException> failures = new ArrayList<>();
                    for (int i = 0; failures.size() < FAILURES_PER_ROUND && i < MAX_WRITES_PER_ROUND; i += BURST) {
                        failures.addAll(burst(store, round, i, acknowledged, refused));
                    }
                    assertThat(failures)
                            .as("%s: writes into a full disk that did not fail", context)
                            .hasSizeGreaterThanOrEqualTo(FAILURES_PER_ROUND);
                    for (DatastoreException failure : failures) {
                        assertThat(failure.code()).as(context).isEqualTo(ErrorCode.BACKEND);
                        assertThat(failure.getMessage().toLowerCase(Locale.ROOT))
                                .as("%s: the message names the full disk", context)
                                .contains("no space left");
                    }
                    disk.free();
                    DatastoreException after = write(store, "after" + round, value(round, -1), acknowledged, refused);
                    if (after != null) {
                        // allowed: a backend that cannot trust its state fails every later call, clearly
                        assertThat(after.getMessage()).as(context).isNotBlank();
                        assertThat(write(store, "again" + round, value(round, -2), acknowledged, refused))
                                .as("%s: after one failure once space was free, every later call fails", context)
                                .isNotNull();
                    }
                }
                try (Storage storage = Storage.open(uri)) {
                    assertThat(storage.quarantined()).as(context).isEmpty();
                    SortedMap<String, Document> stored =
                            storage.datastore("full").snapshot();
                    List<String> problems = new ArrayList<>();
                    acknowledged.forEach((key, value) -> {
                        Document document = stored.get(key);
                        if (document == null || !document.value().toString().equals(value)) {
                            problems.add(key + ": acknowledged " + value.substring(0, 30) + "…, stored "
                                    + (document == null
                                            ? "nothing"
                                            : document.value().toString().substring(0, 30)));
                        }
                    });
                    refused.forEach((key, values) -> {
                        Document document = stored.get(key);
                        if (document != null && values.contains(document.value().toString())) {
                            problems.add(key + ": holds a value whose write was refused");
                        }
                        if (document != null && !acknowledged.containsKey(key)) {
                            problems.add(key + ": stored, but its only writes were refused");
                        }
                    });
                    assertThat(problems).as(context).isEmpty();
                }
            }
        }
    }

    private static String value(int round, int i) {
        ObjectNode value =
                JSON.createObjectNode().put("round", round).put("i", i).put("pad", PAD);
        return value.toString();
    }

    /**
     * Sets {@link #BURST} keys at once — half new, half overwrites of {@code k0…k19} — so that they share commits;
     * returns the failures.
     */
    private static List<DatastoreException> burst(
            Datastore store, int round, int first, Map<String, String> acknowledged, Map<String, Set<String>> refused) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = first; i < first + BURST; i++) {
            values.put(i % 2 == 0 ? "n" + round + "-" + i : "k" + (i / 2 % 20), value(round, i));
        }
        Map<String, CompletableFuture<?>> writes = new LinkedHashMap<>();
        values.forEach((key, value) -> writes.put(key, store.async().set(key, JSON.readTree(value))));
        List<DatastoreException> failures = new ArrayList<>();
        writes.forEach((key, write) -> {
            try {
                write.join();
                acknowledged.put(key, values.get(key));
            } catch (CompletionException e) {
                refused.computeIfAbsent(key, k -> new HashSet<>()).add(values.get(key));
                assertThat(e.getCause()).isInstanceOf(DatastoreException.class);
                failures.add((DatastoreException) e.getCause());
            }
        });
        return failures;
    }

    /** Sets {@code key}; returns the failure, or null once acknowledged. */
    private static DatastoreException write(
            Datastore store,
            String key,
            String value,
            Map<String, String> acknowledged,
            Map<String, Set<String>> refused) {
        try {
            store.set(key, JSON.readTree(value));
            acknowledged.put(key, value);
            return null;
        } catch (DatastoreException e) {
            refused.computeIfAbsent(key, k -> new HashSet<>()).add(value);
            return e;
        }
    }
}
