package io.github.datastore4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.InvalidKeyException;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.MigrationException;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.Subscription;
import io.github.datastore4j.api.WaitTimeoutException;
import io.github.datastore4j.api.WrongTypeException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole {@link Datastore} API run over one backend, through {@link Storage#open(String, StorageOptions)}, so
 * each backend proves every operation and not just the SPI. Extend it and implement {@link #storageUri(Path)}.
 *
 * <pre>{@code
 * class JsonDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
 *     protected String storageUri(Path directory) {
 *         return "json:" + directory.resolve("data");
 *     }
 * }
 * }</pre>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class DatastoreCompatibilityKit {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    protected Path directory;

    protected Storage storage;
    protected Datastore store;

    /** The URI of the storage under test, keeping its data under {@code directory}. */
    protected abstract String storageUri(Path directory);

    /** Options for the storage under test; override to test a durability mode. */
    protected StorageOptions options() {
        return StorageOptions.defaults();
    }

    @BeforeEach
    void openTheStorage() {
        storage = Storage.open(storageUri(directory), options());
        store = storage.datastore("kit");
    }

    @AfterEach
    void closeTheStorage() {
        if (storage != null) {
            storage.close();
        }
    }

    /** A bean whose getter throws, so Jackson cannot map it. */
    public static final class Exploding {
        public String getValue() {
            throw new IllegalStateException("this value cannot be read");
        }
    }

    /** A plain record type for typed reads. */
    public record User(String name, int age, List<String> tags) {}

    protected static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    @Nested
    @DisplayName("set, get, delete")
    class Basics {
        @Test
        @DisplayName("a set value reads back, typed and untyped")
        void setThenGet() {
            store.set("alice", new User("Alice", 30, List.of("admin")));
            assertThat(store.get("alice", User.class)).contains(new User("Alice", 30, List.of("admin")));
            assertThat(store.get("alice").orElseThrow().get("age").asInt()).isEqualTo(30);
        }

        @Test
        @DisplayName("numbers, strings, booleans, lists, maps and JSON null are all values")
        void everyJsonKind() {
            store.set("n", 42);
            store.set("d", 2.5);
            store.set("s", "text");
            store.set("b", true);
            store.set("l", List.of(1, 2, 3));
            store.set("m", Map.of("k", "v"));
            store.set("null", NullNode.getInstance());
            assertThat(store.get("n", Integer.class)).contains(42);
            assertThat(store.get("d", Double.class)).contains(2.5);
            assertThat(store.get("s", String.class)).contains("text");
            assertThat(store.get("b", Boolean.class)).contains(true);
            assertThat(store.get("l").orElseThrow().size()).isEqualTo(3);
            assertThat(store.get("m").orElseThrow().get("k").asString()).isEqualTo("v");
            assertThat(store.get("null").orElseThrow().isNull()).isTrue();
        }

        @Test
        @DisplayName("a missing key reads as empty")
        void missingKey() {
            assertThat(store.get("nothing")).isEmpty();
            assertThat(store.getDocument("nothing")).isEmpty();
            assertThat(store.contains("nothing")).isFalse();
        }

        @Test
        @DisplayName("rev starts at 1 and grows by one on every change")
        void revisions() {
            assertThat(store.set("k", 1).rev()).isEqualTo(1);
            assertThat(store.set("k", 2).rev()).isEqualTo(2);
            store.increment("k", 1);
            assertThat(store.getDocument("k").orElseThrow().rev()).isEqualTo(3);
        }

        @Test
        @DisplayName("delete removes a key and says whether it existed")
        void delete() {
            store.set("k", 1);
            assertThat(store.delete("k")).isTrue();
            assertThat(store.delete("k")).isFalse();
            assertThat(store.get("k")).isEmpty();
            assertThat(store.set("k", 1).rev())
                    .as("a re-created key starts again")
                    .isEqualTo(1);
        }

        @Test
        @DisplayName("clear removes every key and counts them")
        void clear() {
            IntStream.range(0, 10).forEach(i -> store.set("k" + i, i));
            assertThat(store.size()).isEqualTo(10);
            assertThat(store.clear()).isEqualTo(10);
            assertThat(store.size()).isZero();
            assertThat(store.queryKeys(KeyQuery.all()).keys()).isEmpty();
        }

        @Test
        @DisplayName("the same namespace name gives the same instance; namespaces are independent")
        void namespaces() {
            assertThat(storage.datastore("kit")).isSameAs(store);
            Datastore other = storage.datastore("other");
            other.set("k", "other");
            store.set("k", "kit");
            assertThat(other.get("k", String.class)).contains("other");
            assertThat(storage.namespaces()).contains("kit", "other");
        }
    }

    @Nested
    @DisplayName("atomic operations")
    class AtomicOperations {
        @Test
        @DisplayName("setOnce stores only the first value")
        void setOnce() {
            assertThat(store.setOnce("leader", "a")).isTrue();
            assertThat(store.setOnce("leader", "b")).isFalse();
            assertThat(store.get("leader", String.class)).contains("a");
        }

        @Test
        @DisplayName("increment starts at 0 and returns the new value")
        void increment() {
            assertThat(store.increment("c", 5)).isEqualTo(5);
            assertThat(store.increment("c", -2)).isEqualTo(3);
            assertThat(store.increment("f", 0.5)).isEqualTo(0.5);
            assertThat(store.increment("c", 0.5)).isEqualTo(3.5);
        }

        @Test
        @DisplayName("incrementing a non-number fails with WRONG_TYPE and changes nothing")
        void incrementNonNumber() {
            store.set("s", "text");
            assertThatThrownBy(() -> store.increment("s", 1))
                    .isInstanceOf(WrongTypeException.class)
                    .hasMessageContaining("'s'")
                    .hasMessageContaining("string");
            assertThatThrownBy(() -> store.increment("s", 1.5)).isInstanceOf(WrongTypeException.class);
            assertThat(store.getDocument("s").orElseThrow().rev()).isEqualTo(1);
            store.set("f", 1.5);
            assertThatThrownBy(() -> store.increment("f", 1)).isInstanceOf(WrongTypeException.class);
        }

        @Test
        @DisplayName("an integer increment that overflows a long fails and changes nothing")
        void incrementOverflow() {
            store.set("c", Long.MAX_VALUE);
            assertThatThrownBy(() -> store.increment("c", 1))
                    .isInstanceOf(DatastoreException.class)
                    .extracting(e -> ((DatastoreException) e).code())
                    .isEqualTo(ErrorCode.INVALID_VALUE);
            assertThat(store.get("c", Long.class)).contains(Long.MAX_VALUE);
        }

        @Test
        @DisplayName("push appends and returns the new length")
        void push() {
            assertThat(store.push("results", "a")).isEqualTo(1);
            assertThat(store.push("results", Map.of("n", 2))).isEqualTo(2);
            assertThat(store.get("results").orElseThrow().get(1).get("n").asInt())
                    .isEqualTo(2);
        }

        @Test
        @DisplayName("pushing onto a non-array fails with WRONG_TYPE and changes nothing")
        void pushNonArray() {
            store.set("o", Map.of("a", 1));
            assertThatThrownBy(() -> store.push("o", 1))
                    .isInstanceOf(WrongTypeException.class)
                    .hasMessageContaining("'o'");
            assertThat(store.get("o").orElseThrow().isObject()).isTrue();
        }

        @Test
        @DisplayName("update replaces the value with the function's result")
        void update() {
            store.set("u", Map.of("count", 1));
            Document updated = store.update("u", value -> {
                ((ObjectNode) value).put("count", value.get("count").asInt() + 1);
                return value;
            });
            assertThat(updated.rev()).isEqualTo(2);
            assertThat(store.get("u").orElseThrow().get("count").asInt()).isEqualTo(2);
            store.update("new", value -> {
                assertThat(value.isMissingNode()).isTrue();
                return JsonNodeFactory.instance.stringNode("created");
            });
            assertThat(store.get("new", String.class)).contains("created");
        }

        @Test
        @DisplayName("typed update maps the value in and out")
        void typedUpdate() {
            store.set("alice", new User("Alice", 30, List.of()));
            store.update("alice", User.class, user -> new User(user.name(), user.age() + 1, user.tags()));
            assertThat(store.get("alice", User.class).orElseThrow().age()).isEqualTo(31);
        }

        @Test
        @DisplayName("an update function that throws changes nothing and its exception reaches the caller")
        void updateThrows() {
            store.set("u", 1);
            IllegalStateException boom = new IllegalStateException("boom");
            assertThatThrownBy(() -> store.update("u", value -> {
                        throw boom;
                    }))
                    .isSameAs(boom);
            assertThat(store.getDocument("u").orElseThrow().rev()).isEqualTo(1);
        }

        @Test
        @DisplayName("put with the current rev writes; with a stale rev it fails with both revisions")
        void optimisticConcurrency() {
            Document created = store.put("doc", "v1", 0);
            assertThat(created.rev()).isEqualTo(1);
            store.put("doc", "v2", 1);
            assertThatThrownBy(() -> store.put("doc", "v3", 1)).isInstanceOfSatisfying(ConflictException.class, e -> {
                assertThat(e.expectedRev()).isEqualTo(1);
                assertThat(e.actualRev()).isEqualTo(2);
                assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                assertThat(e.getMessage()).contains("'doc'");
            });
            assertThatThrownBy(() -> store.put("doc", "again", 0)).isInstanceOf(ConflictException.class);
            assertThat(store.get("doc", String.class)).contains("v2");
        }
    }

    @Nested
    @DisplayName("isolation of values")
    class Isolation {
        @Test
        @DisplayName("changing a value after passing it in does not change the store")
        void inputIsCopied() {
            ObjectNode value = object().put("a", 1);
            store.set("k", value);
            value.put("a", 99);
            List<String> list = new ArrayList<>(List.of("x"));
            store.set("l", list);
            list.add("y");
            assertThat(store.get("k").orElseThrow().get("a").asInt()).isEqualTo(1);
            assertThat(store.get("l").orElseThrow().size()).isEqualTo(1);
        }

        @Test
        @DisplayName("changing a value read back does not change the store")
        void outputIsCopied() {
            store.set("k", object().put("a", 1));
            ((ObjectNode) store.get("k").orElseThrow()).put("a", 2);
            Document document = store.getDocument("k").orElseThrow();
            ((ObjectNode) document.value()).put("a", 3);
            ((ObjectNode) store.get("k", JsonNode.class).orElseThrow()).put("a", 4);
            assertThat(store.get("k").orElseThrow().get("a").asInt()).isEqualTo(1);
            assertThat(document.value().get("a").asInt()).isEqualTo(1);
        }

        @Test
        @DisplayName("a value kept by an update function does not leak into the store")
        void updateResultIsCopied() {
            ObjectNode[] kept = new ObjectNode[1];
            store.update("k", value -> {
                kept[0] = object().put("a", 1);
                return kept[0];
            });
            kept[0].put("a", 2);
            assertThat(store.get("k").orElseThrow().get("a").asInt()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("waits")
    class Waits {
        @Test
        @DisplayName("awaitValue returns at once when the value is already there, numbers compared by value")
        void awaitValueAlreadyTrue() {
            store.set("c", 5);
            assertThat(store.awaitValue("c", 5.0, WAIT).rev()).isEqualTo(1);
            assertThat(store.awaitValue("c", 5L).rev()).isEqualTo(1);
        }

        @Test
        @DisplayName("awaitValue wakes when another thread sets the value")
        void awaitValueWakes() throws Exception {
            store.set("c", 0);
            CompletableFuture<Document> waiting = CompletableFuture.supplyAsync(() -> store.awaitValue("c", 3, WAIT));
            for (int i = 0; i < 3; i++) {
                store.increment("c", 1);
            }
            assertThat(waiting.get(30, TimeUnit.SECONDS).value().asInt()).isEqualTo(3);
        }

        @Test
        @DisplayName("awaitChange returns the next change, including a delete")
        void awaitChange() throws Exception {
            store.set("k", 1);
            CompletableFuture<Optional<Document>> change = store.async().awaitChange("k", WAIT);
            assertThat(change).isNotDone();
            store.set("k", 2);
            assertThat(change.get(30, TimeUnit.SECONDS).orElseThrow().value().asInt())
                    .isEqualTo(2);
            CompletableFuture<Optional<Document>> deletion = store.async().awaitChange("k", WAIT);
            store.delete("k");
            assertThat(deletion.get(30, TimeUnit.SECONDS)).isEmpty();
        }

        @Test
        @DisplayName("awaitMatch waits for a key that does not exist yet")
        void awaitMatchOnAbsentKey() throws Exception {
            CompletableFuture<Document> match =
                    store.async().awaitMatch("status", v -> v.asString().equals("done"), WAIT);
            store.set("status", "running");
            assertThat(match).isNotDone();
            store.set("status", "done");
            assertThat(match.get(30, TimeUnit.SECONDS).rev()).isEqualTo(2);
        }

        @Test
        @DisplayName("awaitSize waits for an array to grow")
        void awaitSize() throws Exception {
            CompletableFuture<Document> three = store.async().awaitSize("results", size -> size >= 3, WAIT);
            store.push("results", 1);
            store.push("results", 2);
            assertThat(three).isNotDone();
            store.push("results", 3);
            assertThat(three.get(30, TimeUnit.SECONDS).value().size()).isEqualTo(3);
            assertThat(store.awaitSize("results", 2, WAIT).value().size()).isEqualTo(3);
        }

        @Test
        @DisplayName("a wait that times out raises TIMEOUT naming the key and condition")
        void timeout() {
            store.set("c", 1);
            assertThatThrownBy(() -> store.awaitValue("c", 2, Duration.ofMillis(50)))
                    .isInstanceOf(WaitTimeoutException.class)
                    .hasMessageContaining("'c'")
                    .hasMessageContaining("2")
                    .extracting(e -> ((DatastoreException) e).code())
                    .isEqualTo(ErrorCode.TIMEOUT);
            assertThatThrownBy(() -> store.awaitChange("c", Duration.ZERO)).isInstanceOf(WaitTimeoutException.class);
        }

        @Test
        @DisplayName("a predicate that throws fails that wait only")
        void throwingPredicate() {
            store.set("k", 1);
            CompletableFuture<Document> broken = store.async()
                    .awaitMatch(
                            "k",
                            v -> {
                                throw new IllegalArgumentException("bad predicate");
                            },
                            WAIT);
            // at once on a store of one process; on a shared one the key's slot may still be finishing the set
            assertThat(broken).failsWithin(WAIT);
            store.set("k", 2);
            assertThat(store.get("k", Integer.class)).contains(2);
        }

        @Test
        @DisplayName("closing the storage fails pending waits with CLOSED")
        void closeFailsWaits() {
            CompletableFuture<Optional<Document>> pending = store.async().awaitChange("k", null);
            storage.close();
            assertThat(pending)
                    .failsWithin(Duration.ofSeconds(30))
                    .withThrowableOfType(ExecutionException.class)
                    .havingCause()
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
        }

        @Test
        @DisplayName("many waiters on one key are all woken by one change")
        void manyWaiters() {
            List<CompletableFuture<Document>> waits = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                waits.add(store.async().awaitValue("go", true, WAIT));
            }
            store.set("go", true);
            assertThat(CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)))
                    .succeedsWithin(Duration.ofSeconds(30));
        }
    }

    @Nested
    @DisplayName("change subscriptions")
    class Subscriptions {
        @Test
        @DisplayName("subscribe reports every existing key, then every change in order, deletes as null")
        void reportsStateThenChanges() throws Exception {
            store.set("a", 1);
            store.set("b", 2);
            List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
            AutoCloseable subscription =
                    store.subscribe((key, doc) -> calls.add(key + "=" + (doc == null ? "null" : doc.value())));
            assertThat(calls).containsExactlyInAnyOrder("a=1", "b=2");
            calls.clear();
            store.set("a", 3);
            store.delete("b");
            store.increment("c", 5);
            assertThat(calls).containsExactly("a=3", "b=null", "c=5");
            subscription.close();
            store.set("a", 4);
            assertThat(calls).hasSize(3);
        }

        @Test
        @DisplayName("a listener that throws does not affect the write; the subscription closes without a checked"
                + " exception")
        void throwingListener() {
            try (Subscription subscription = store.subscribe((key, doc) -> {
                throw new IllegalStateException("listener bug");
            })) {
                assertThat(store.set("k", 1).rev()).isEqualTo(1);
                assertThat(store.get("k", Integer.class)).contains(1);
            }
        }

        @Test
        @DisplayName("a mirror kept by a listener subscribed during concurrent writes ends equal to the store")
        void mirrorConverges() throws Exception {
            for (int i = 0; i < 200; i++) {
                store.set("k" + i, i);
            }
            Map<String, Long> mirror = new java.util.concurrent.ConcurrentHashMap<>();
            Subscription[] subscription = new Subscription[1];
            ThreadRace.run(4, thread -> {
                if (thread == 0) {
                    subscription[0] = store.subscribe((key, doc) -> {
                        if (doc == null) {
                            mirror.remove(key);
                        } else {
                            mirror.put(key, doc.rev());
                        }
                    });
                    return;
                }
                for (int i = 0; i < 300; i++) {
                    String key = "k" + ((i * 7 + thread) % 250);
                    if (i % 5 == 0) {
                        store.delete(key);
                    } else {
                        store.increment(key + "-n", 1);
                        store.set(key, i);
                    }
                }
            });
            Map<String, Long> expected = new java.util.HashMap<>();
            store.snapshot().forEach((key, doc) -> expected.put(key, doc.rev()));
            assertThat(mirror).isEqualTo(expected);
            subscription[0].close();
        }
    }

    @Nested
    @DisplayName("key-range queries")
    class Queries {
        @BeforeEach
        void fill() {
            for (String key : List.of("a", "b", "c", "d", "e", "user:1", "user:2", "user:3")) {
                store.set(key, key);
            }
        }

        @Test
        @DisplayName("all keys come back in key order")
        void allKeys() {
            assertThat(store.queryKeys(KeyQuery.all()).keys())
                    .containsExactly("a", "b", "c", "d", "e", "user:1", "user:2", "user:3");
        }

        @Test
        @DisplayName("startKey and endKey bound the range, endKey inclusive unless told otherwise")
        void range() {
            assertThat(store.queryKeys(
                                    KeyQuery.builder().startKey("b").endKey("d").build())
                            .keys())
                    .containsExactly("b", "c", "d");
            assertThat(store.queryKeys(KeyQuery.builder()
                                    .startKey("b")
                                    .endKey("d")
                                    .inclusiveEnd(false)
                                    .build())
                            .keys())
                    .containsExactly("b", "c");
            assertThat(store.queryKeys(KeyQuery.builder()
                                    .startKey("user:")
                                    .endKey("user:\uffff")
                                    .build())
                            .keys())
                    .containsExactly("user:1", "user:2", "user:3");
        }

        @Test
        @DisplayName("descending starts from the high end")
        void descending() {
            assertThat(store.queryKeys(KeyQuery.builder()
                                    .startKey("d")
                                    .endKey("b")
                                    .descending(true)
                                    .build())
                            .keys())
                    .containsExactly("d", "c", "b");
        }

        @Test
        @DisplayName("key, limit, skip and includeDocuments")
        void options() {
            Page one = store.queryKeys(
                    KeyQuery.builder().key("c").includeDocuments(true).build());
            assertThat(one.keys()).containsExactly("c");
            assertThat(one.documents().get(0).value().asString()).isEqualTo("c");
            assertThat(store.queryKeys(KeyQuery.key("zzz")).keys()).isEmpty();
            assertThat(store.queryKeys(KeyQuery.builder().skip(2).limit(2).build())
                            .keys())
                    .containsExactly("c", "d");
            assertThat(store.queryKeys(KeyQuery.builder().limit(0).build()).keys())
                    .isEmpty();
        }

        @Test
        @DisplayName("a page of keys only says so when its documents are asked for, instead of looking empty")
        void keysOnlyPageRefusesDocuments() {
            Page keysOnly = store.queryKeys(KeyQuery.builder().startKey("a").build());
            assertThat(keysOnly.keys()).isNotEmpty();
            assertThat(keysOnly.hasDocuments()).isFalse();
            assertThatThrownBy(keysOnly::documents)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("includeDocuments(true)");
            assertThat(store.queryKeys(KeyQuery.key("zzz")).documents()).isEmpty();
        }

        @Test
        @DisplayName("a cursor pages through every key exactly once, both directions")
        void cursorPaging() {
            for (boolean descending : new boolean[] {false, true}) {
                KeyQuery query =
                        KeyQuery.builder().limit(3).descending(descending).build();
                List<String> seen = new ArrayList<>();
                Page page = store.queryKeys(query);
                seen.addAll(page.keys());
                while (page.nextCursor().isPresent()) {
                    page = store.queryKeys(query.withCursor(page.nextCursor().get()));
                    seen.addAll(page.keys());
                }
                List<String> expected = new ArrayList<>(List.of("a", "b", "c", "d", "e", "user:1", "user:2", "user:3"));
                if (descending) {
                    Collections.reverse(expected);
                }
                assertThat(seen).containsExactlyElementsOf(expected);
            }
        }

        @Test
        @DisplayName("a cursor from the other direction or a made-up one is refused")
        void badCursor() {
            String cursor = store.queryKeys(KeyQuery.builder().limit(1).build())
                    .nextCursor()
                    .orElseThrow();
            assertThatThrownBy(() -> store.queryKeys(
                            KeyQuery.builder().descending(true).cursor(cursor).build()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() ->
                            store.queryKeys(KeyQuery.builder().cursor("!!!").build()))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("snapshot is an immutable sorted copy")
        void snapshot() {
            var snapshot = store.snapshot();
            assertThat(snapshot.keySet()).containsExactly("a", "b", "c", "d", "e", "user:1", "user:2", "user:3");
            store.set("f", "f");
            assertThat(snapshot).doesNotContainKey("f");
            assertThatThrownBy(() -> snapshot.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @Test
        @DisplayName("invalid keys and namespaces fail with INVALID_KEY before anything is written")
        void invalidKeys() {
            assertThatThrownBy(() -> store.set("", 1)).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> store.set("x".repeat(1025), 1)).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> store.set("bad\uD800", 1)).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> storage.datastore("../escape")).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> storage.datastore("")).isInstanceOf(InvalidKeyException.class);
            assertThat(store.size()).isZero();
        }

        @Test
        @DisplayName("awkward but valid keys are ordinary keys")
        void awkwardKeys() {
            for (String key : BackendCompatibilityKit.AWKWARD_KEYS) {
                store.set(key, key);
            }
            for (String key : BackendCompatibilityKit.AWKWARD_KEYS) {
                assertThat(store.get(key, String.class)).contains(key);
            }
        }

        @Test
        @DisplayName("null values are refused with a hint; JSON null is stored")
        void nullValue() {
            assertThatThrownBy(() -> store.set("k", null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("NullNode");
            assertThat(store.get("k")).isEmpty();
        }

        @Test
        @DisplayName("a value larger than maxValueBytes is refused and the old value kept")
        void hugeValue() {
            store.set("k", "small");
            String huge = "x".repeat(StorageOptions.DEFAULT_MAX_VALUE_BYTES + 1);
            assertThatThrownBy(() -> store.set("k", huge)).isInstanceOfSatisfying(DatastoreException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE);
                assertThat(e.getMessage()).contains("'k'").contains("maxValueBytes");
            });
            assertThat(store.get("k", String.class)).contains("small");
        }

        @Test
        @DisplayName("a value Jackson cannot map is refused with INVALID_VALUE")
        void unmappableValue() {
            assertThatThrownBy(() -> store.set("k", new Exploding()))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE));
        }

        @Test
        @DisplayName("a blocking call from inside an update function is refused, not deadlocked")
        void reentrantCall() {
            assertThatThrownBy(() -> store.update("k", value -> {
                        store.set("k", 1);
                        return value;
                    }))
                    .isInstanceOf(IllegalStateException.class);
        }

        @Test
        @DisplayName("calls after close fail with CLOSED")
        void afterClose() {
            storage.close();
            assertThatThrownBy(() -> store.set("k", 1))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CLOSED));
            assertThatThrownBy(() -> store.get("k")).isInstanceOf(DatastoreException.class);
            storage.close();
        }
    }

    @Nested
    @DisplayName("concurrency")
    class Concurrency {
        @Test
        @DisplayName("4 threads × 500 increments sum exactly")
        void increments() throws Exception {
            ThreadRace.run(4, thread -> {
                for (int i = 0; i < 500; i++) {
                    store.increment("counter", 1);
                }
            });
            assertThat(store.get("counter", Long.class)).contains(2000L);
            assertThat(store.getDocument("counter").orElseThrow().rev()).isEqualTo(2000);
        }

        @Test
        @DisplayName("4 threads × 200 pushes lose no item")
        void pushes() throws Exception {
            ThreadRace.run(4, thread -> {
                for (int i = 0; i < 200; i++) {
                    store.push("items", thread * 1000 + i);
                }
            });
            assertThat(store.get("items").orElseThrow().size()).isEqualTo(800);
        }

        @Test
        @DisplayName("16 threads racing setOnce give exactly one winner")
        void setOnceRace() throws Exception {
            AtomicInteger winners = new AtomicInteger();
            ThreadRace.run(16, thread -> {
                if (store.setOnce("leader", thread)) {
                    winners.incrementAndGet();
                }
            });
            assertThat(winners).hasValue(1);
        }
    }

    @Nested
    @DisplayName("save, load and reopen")
    class Persistence {
        @Test
        @DisplayName("save then load returns what was saved and drops unsaved changes")
        void saveAndLoad() {
            store.set("kept", 1);
            store.save();
            store.set("kept", 2);
            store.set("extra", 3);
            store.load();
            assumeTrue(storage.durability() != Durability.SYNC, "with sync durability every change is already saved");
            assertThat(store.get("kept", Integer.class)).contains(1);
            assertThat(store.get("extra")).isEmpty();
        }

        @Test
        @DisplayName("load wakes waiters of keys it changes")
        void loadWakesWaiters() {
            store.set("k", 1);
            store.save();
            store.set("k", 2);
            assumeTrue(storage.durability() != Durability.SYNC, "with sync durability every change is already saved");
            CompletableFuture<Document> back = store.async().awaitValue("k", 1, WAIT);
            store.load();
            assertThat(back).succeedsWithin(Duration.ofSeconds(30));
        }

        @Test
        @DisplayName("saved data, revisions included, is there after reopen")
        void reopen() {
            assumeTrue(isPersistent(), "backend is not persistent");
            store.set("a", Map.of("x", 1));
            store.set("a", Map.of("x", 2));
            store.push("list", "item");
            store.set("gone", 1);
            store.delete("gone");
            storage.save();
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            store = storage.datastore("kit");
            assertThat(store.getDocument("a").orElseThrow().rev()).isEqualTo(2);
            assertThat(store.get("a").orElseThrow().get("x").asInt()).isEqualTo(2);
            assertThat(store.get("list").orElseThrow().size()).isEqualTo(1);
            assertThat(store.get("gone")).isEmpty();
        }

        @Test
        @DisplayName("decimal and floating-point numbers survive reopen exactly")
        void numbersSurviveReopen() {
            assumeTrue(isPersistent(), "backend is not persistent");
            store.set("money", Map.of("amount", new BigDecimal("12345678901234567890.123456789")));
            store.set("price", new BigDecimal("1.10"));
            store.set("tenth", 0.1);
            store.set("huge", 1e300);
            store.set("long", Long.MIN_VALUE);
            storage.save();
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            store = storage.datastore("kit");
            assertThat(store.get("money").orElseThrow().get("amount").decimalValue())
                    .isEqualTo(new BigDecimal("12345678901234567890.123456789"));
            assertThat(store.get("price", BigDecimal.class)).contains(new BigDecimal("1.10"));
            assertThat(store.get("tenth", Double.class)).contains(0.1);
            assertThat(store.get("huge", Double.class)).contains(1e300);
            assertThat(store.get("long", Long.class)).contains(Long.MIN_VALUE);
        }

        private tools.jackson.databind.JsonNode nestedArrays(int depth) {
            tools.jackson.databind.node.ArrayNode root =
                    tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            tools.jackson.databind.node.ArrayNode current = root;
            for (int i = 1; i < depth; i++) {
                current = current.addArray();
            }
            return root;
        }

        @Test
        @DisplayName("values at the limits — 500 deep, 1,000-character numbers, 50,000-character names — survive"
                + " reopen; past them they are refused with INVALID_VALUE and nothing is stored")
        void limitsHoldAcrossReopen() {
            assumeTrue(isPersistent(), "backend is not persistent");
            String deep = "[".repeat(500) + "]".repeat(500);
            String number = "9".repeat(1_000);
            String name = "n".repeat(50_000);
            store.set("deep", tools.jackson.databind.json.JsonMapper.shared().readTree(deep));
            store.set("number", new java.math.BigInteger(number));
            store.set("name", Map.of(name, 1));
            for (Object tooMuch : List.of(
                    nestedArrays(501), new java.math.BigInteger(number + "9"), Map.of(name + "n", 1), Double.NaN)) {
                assertThatThrownBy(() -> store.set("refused", tooMuch))
                        .isInstanceOf(DatastoreException.class)
                        .satisfies(
                                e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_VALUE));
            }
            storage.save();
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            store = storage.datastore("kit");
            assertThat(store.get("deep").orElseThrow().toString()).isEqualTo(deep);
            assertThat(store.get("number").orElseThrow().toString()).isEqualTo(number);
            assertThat(store.get("name").orElseThrow().has(name)).isTrue();
            assertThat(store.get("refused")).isEmpty();
        }
    }

    @Nested
    @DisplayName("schemas: templates and migrations")
    class Migrations {
        /** Calls per key and step, so a test can tell that each step ran once per record. */
        private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        /** v0 {name} → v1 adds coins: 0 → v2 renames name to nick. */
        private Schema v2() {
            return Schema.builder()
                    .template(object().put("nick", "new player").put("coins", 10))
                    .migrate(0, value -> count("0:" + value, ((ObjectNode) value).put("coins", 0)))
                    .migrate(1, value -> {
                        ObjectNode object = (ObjectNode) value;
                        object.set("nick", object.remove("name"));
                        return count("1:" + value, object);
                    })
                    .build();
        }

        private Schema v1() {
            return Schema.builder()
                    .migrate(0, value -> ((ObjectNode) value).put("coins", 0))
                    .build();
        }

        private JsonNode count(String call, JsonNode result) {
            calls.computeIfAbsent(call, c -> new AtomicInteger()).incrementAndGet();
            return result;
        }

        private void reopen() {
            storage.close();
            storage = Storage.open(storageUri(directory), options());
        }

        private void writeVersion0(int players) {
            Datastore old = storage.datastore("profiles");
            for (int i = 0; i < players; i++) {
                old.set("p" + i, Map.of("name", "player " + i));
            }
            reopen();
        }

        @Test
        @DisplayName(
                "older records are migrated step by step on load, once, with rev + 1, and saved at the new version")
        void chainOverPersistedData() {
            assumeTrue(isPersistent(), "backend is not persistent");
            writeVersion0(3);

            Datastore profiles = storage.datastore("profiles", v2());
            Document p1 = profiles.getDocument("p1").orElseThrow();
            assertThat(p1.schemaVersion()).isEqualTo(2);
            assertThat(p1.rev()).isEqualTo(2);
            assertThat(p1.value().toString()).isEqualTo("{\"coins\":0,\"nick\":\"player 1\"}");
            assertThat(calls)
                    .hasSize(6)
                    .allSatisfy((call, count) -> assertThat(count).as(call).hasValue(1));

            reopen(); // interval and none save at close; sync saved before datastore() returned
            Document stored = storage.datastore("profiles").getDocument("p1").orElseThrow();
            assertThat(stored.schemaVersion()).as("saved at the new version").isEqualTo(2);
            assertThat(stored.value().toString()).isEqualTo("{\"coins\":0,\"nick\":\"player 1\"}");

            reopen();
            storage.datastore("profiles", v2());
            assertThat(calls).as("no record migrated twice").hasSize(6).allSatisfy((call, count) -> assertThat(count)
                    .hasValue(1));
        }

        @Test
        @DisplayName("a record at version 1 runs only the step from 1")
        void partialChain() {
            assumeTrue(isPersistent(), "backend is not persistent");
            writeVersion0(1);
            storage.datastore("profiles", v1()).set("p9", Map.of("name", "nine", "coins", 5));
            reopen();

            Datastore profiles = storage.datastore("profiles", v2());
            assertThat(profiles.get("p9").orElseThrow().toString()).isEqualTo("{\"coins\":5,\"nick\":\"nine\"}");
            assertThat(calls.keySet()).noneMatch(call -> call.startsWith("0:") && call.contains("nine"));
        }

        @Test
        @DisplayName("a record newer than the schema is refused with MIGRATION, naming key and versions, and kept")
        void tooNew() {
            assumeTrue(isPersistent(), "backend is not persistent");
            storage.datastore("profiles", v2()).set("p1", Map.of("nick", "n", "coins", 1));
            reopen();

            assertThatThrownBy(() -> storage.datastore("profiles", v1()))
                    .isInstanceOfSatisfying(MigrationException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MIGRATION);
                        assertThat(e.key()).isEqualTo("p1");
                        assertThat(e.recordVersion()).isEqualTo(2);
                    })
                    .hasMessageContaining("'p1'")
                    .hasMessageContaining("schema version 2")
                    .hasMessageContaining("stops at version 1");
            Document kept =
                    storage.datastore("profiles", v2()).getDocument("p1").orElseThrow();
            assertThat(kept.schemaVersion()).isEqualTo(2);
            assertThat(kept.rev()).isEqualTo(1);
        }

        @Test
        @DisplayName("a step that throws fails the open naming key and step; nothing stored changes")
        void failingStep() {
            assumeTrue(isPersistent(), "backend is not persistent");
            writeVersion0(5);
            Schema broken = Schema.builder()
                    .migrate(0, value -> ((ObjectNode) value).put("coins", 0))
                    .migrate(1, value -> {
                        if (value.get("name").asString().equals("player 3")) {
                            throw new IllegalArgumentException("cannot rename player 3");
                        }
                        return value;
                    })
                    .build();

            assertThatThrownBy(() -> storage.datastore("profiles", broken))
                    .isInstanceOfSatisfying(MigrationException.class, e -> {
                        assertThat(e.key()).isEqualTo("p3");
                        assertThat(e.step()).isEqualTo(1);
                        assertThat(e.recordVersion()).isZero();
                    })
                    .hasMessageContaining("step 1 → 2")
                    .hasMessageContaining("cannot rename player 3")
                    .hasMessageContaining("unchanged");
            reopen();
            Datastore untouched = storage.datastore("profiles");
            for (int i = 0; i < 5; i++) {
                Document doc = untouched.getDocument("p" + i).orElseThrow();
                assertThat(doc.schemaVersion()).as("p%d", i).isZero();
                assertThat(doc.rev()).isEqualTo(1);
                assertThat(doc.value().toString()).isEqualTo("{\"name\":\"player " + i + "\"}");
            }
        }

        @Test
        @DisplayName("a step returning null is a failed step, not a stored null")
        void stepReturningNull() {
            assumeTrue(isPersistent(), "backend is not persistent");
            writeVersion0(1);
            Schema nothing = Schema.builder().migrate(0, value -> null).build();
            assertThatThrownBy(() -> storage.datastore("profiles", nothing))
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("returned null");
        }

        @Test
        @DisplayName("new keys start from the template at the schema's version")
        void template() {
            Datastore profiles = storage.datastore("fresh", v2());
            Document created = profiles.update("p1", value -> ((ObjectNode) value)
                    .put("coins", value.get("coins").asInt() + 5));
            assertThat(created.value().toString()).isEqualTo("{\"nick\":\"new player\",\"coins\":15}");
            assertThat(created.schemaVersion()).isEqualTo(2);
            assertThat(profiles.set("p2", Map.of("nick", "x")).schemaVersion()).isEqualTo(2);
            assertThat(profiles.increment("counter", 1)).isEqualTo(1);
            assertThat(profiles.getDocument("counter").orElseThrow().schemaVersion())
                    .isEqualTo(2);
        }

        @Test
        @DisplayName("a namespace is opened with one schema: another, or none first, is refused")
        void oneSchemaPerNamespace() {
            Schema schema = v2();
            Datastore first = storage.datastore("fresh", schema);
            assertThat(storage.datastore("fresh", schema)).isSameAs(first);
            assertThat(storage.datastore("fresh")).isSameAs(first);
            assertThatThrownBy(() -> storage.datastore("fresh", v2()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another schema");
            assertThatThrownBy(() -> storage.datastore("kit", schema))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without a schema");
        }

        private Schema seeded() {
            return Schema.builder()
                    .migrate(0, value -> value)
                    .seed(Map.of("config", Map.of("maxPlayers", 8), "motd", "welcome"))
                    .build();
        }

        @Test
        @DisplayName("seed data is written into an empty namespace once, at the schema's version")
        void seedOnce() {
            Datastore settings = storage.datastore("settings", seeded());
            Document config = settings.getDocument("config").orElseThrow();
            assertThat(config.value().get("maxPlayers").asInt()).isEqualTo(8);
            assertThat(config.rev()).isEqualTo(1);
            assertThat(config.schemaVersion()).isEqualTo(1);
            assertThat(settings.get("motd", String.class)).contains("welcome");
            settings.set("motd", "changed");
            settings.delete("config");
            assumeTrue(isPersistent(), "backend is not persistent");

            reopen();
            Datastore again = storage.datastore("settings", seeded());
            assertThat(again.get("motd", String.class)).as("not seeded twice").contains("changed");
            assertThat(again.get("config")).isEmpty();
        }

        @Test
        @DisplayName("a namespace that holds anything is not seeded")
        void noSeedIntoData() {
            Schema schema = seeded();
            Datastore other = storage.datastore("other");
            other.set("existing", 1);
            assumeTrue(isPersistent(), "backend is not persistent");
            reopen();
            Datastore reopened = storage.datastore("other", schema);
            assertThat(reopened.get("motd")).isEmpty();
            assertThat(reopened.size()).isEqualTo(1);
        }

        @Test
        @DisplayName("a seed key that breaks the key rules fails the open with INVALID_KEY")
        void badSeedKey() {
            Schema bad = Schema.builder().seed(Map.of("", 1)).build();
            assertThatThrownBy(() -> storage.datastore("settings", bad)).isInstanceOf(InvalidKeyException.class);
            assertThat(storage.datastore("settings").size()).isZero();
        }

        @Test
        @DisplayName("bulk migrate commits in batches with progress, whatever the durability mode")
        void bulkMigrateWithProgress() {
            assumeTrue(isPersistent(), "backend is not persistent");
            Datastore old = storage.datastore("profiles");
            for (int i = 0; i < 2_500; i++) {
                old.async().set("p" + i, Map.of("name", "player " + i));
            }
            reopen();
            List<String> progress = new ArrayList<>();
            Datastore migrated = storage.migrate(
                    "profiles",
                    v2(),
                    (committed, toMigrate, total) -> progress.add(committed + "/" + toMigrate + "/" + total));
            assertThat(progress).containsExactly("1000/2500/2500", "2000/2500/2500", "2500/2500/2500");
            assertThat(migrated.get("p2499").orElseThrow().get("nick").asString())
                    .isEqualTo("player 2499");

            reopen();
            progress.clear();
            storage.migrate(
                    "profiles",
                    v2(),
                    (committed, toMigrate, total) -> progress.add(committed + "/" + toMigrate + "/" + total));
            assertThat(progress).as("nothing left to migrate").containsExactly("0/0/2500");
        }
    }

    @Nested
    @DisplayName("sessions: exclusive editing under a lease")
    class Sessions {
        private static final Duration LONG = Duration.ofMinutes(5);

        @Test
        @DisplayName("a held key refuses other acquirers and plain writes with LOCKED, naming the holder")
        void exclusive() {
            store.set("hero", Map.of("hp", 10));
            try (Session held = store.acquire("hero", LONG)) {
                assertThatThrownBy(() -> store.acquire("hero", LONG))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining("'hero'")
                        .hasMessageContaining("session " + held.token());
                assertThatThrownBy(() -> store.set("hero", Map.of("hp", 0)))
                        .isInstanceOf(LockedException.class)
                        .satisfies(
                                e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.LOCKED));
                assertThatThrownBy(() -> store.increment("hero", 1)).isInstanceOf(LockedException.class);
                assertThatThrownBy(() -> store.delete("hero")).isInstanceOf(LockedException.class);
                store.set("other", 1); // other keys are not held
            }
            assertThat(store.get("hero").orElseThrow().get("hp").asInt()).isEqualTo(10);
        }

        @Test
        @DisplayName("release() saves the edits with rev + 1 and frees the key")
        void releaseSaves() {
            long rev = store.set("hero", Map.of("hp", 10)).rev();
            Session session = store.acquire("hero", LONG);
            assertThat(session.value().get("hp").asInt()).isEqualTo(10);
            session.edit(value -> ((ObjectNode) value).put("hp", 7));
            Document released = session.release();
            assertThat(released.rev()).isEqualTo(rev + 1);
            assertThat(store.get("hero").orElseThrow().get("hp").asInt()).isEqualTo(7);
            assertThatThrownBy(() -> session.edit(value -> {})).isInstanceOf(IllegalStateException.class);
            store.set("hero", Map.of("hp", 1)); // free again
        }

        @Test
        @DisplayName("save() without an edit writes nothing: the change is found by checksum")
        void unchangedIsNotWritten() {
            long rev = store.set("hero", Map.of("hp", 10)).rev();
            try (Session session = store.acquire("hero", LONG)) {
                session.edit(value -> ((ObjectNode) value).put("hp", 10)); // same content
                assertThat(session.save().rev()).isEqualTo(rev);
                session.set(Map.of("hp", 9));
                assertThat(session.save().rev()).isEqualTo(rev + 1);
                assertThat(session.save().rev()).isEqualTo(rev + 1);
            }
        }

        @Test
        @DisplayName("close() without saving discards the edits and frees the key")
        void closeDiscards() {
            store.set("hero", Map.of("hp", 10));
            Session session = store.acquire("hero", LONG);
            session.edit(value -> ((ObjectNode) value).put("hp", 0));
            session.close();
            session.close(); // idempotent
            assertThat(store.get("hero").orElseThrow().get("hp").asInt()).isEqualTo(10);
            store.acquire("hero", LONG).close();
        }

        @Test
        @DisplayName("a missing key starts from the schema's template and is created at the latest version")
        void templateForNewKeys() {
            Datastore profiles = storage.datastore(
                    "profiles",
                    Schema.builder()
                            .template(object().put("coins", 100))
                            .migrate(0, value -> value)
                            .build());
            try (Session session = profiles.acquire("newcomer", LONG)) {
                assertThat(session.value().toString()).isEqualTo("{\"coins\":100}");
                session.edit(value -> ((ObjectNode) value).put("coins", 150));
                Document created = session.release();
                assertThat(created.schemaVersion()).isEqualTo(1);
                assertThat(created.value().toString()).isEqualTo("{\"coins\":150}");
            }
            try (Session session = store.acquire("nothing", LONG)) {
                assertThat(session.value().isMissingNode()).isTrue();
                session.release();
            }
            assertThat(store.contains("nothing"))
                    .as("an untouched missing key stays missing")
                    .isFalse();
        }

        @Test
        @DisplayName("a waiting acquirer gets the key when the holder releases, and sees the saved value")
        void waiterGetsKeyOnRelease() throws Exception {
            store.set("hero", Map.of("hp", 10));
            Session first = store.acquire("hero", LONG);
            CompletableFuture<Session> second = store.async().acquire("hero", LONG, WAIT);
            assertThat(second).isNotDone();
            first.set(Map.of("hp", 3));
            first.release();
            try (Session next = second.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                assertThat(next.token()).isGreaterThan(first.token());
                assertThat(next.value().get("hp").asInt()).isEqualTo(3);
            }
        }

        @Test
        @DisplayName("a wait that runs out fails with LOCKED and leaves the holder in place")
        void waitRunsOut() {
            try (Session held = store.acquire("hero", LONG)) {
                assertThatThrownBy(() -> store.acquire("hero", LONG, Duration.ofMillis(50)))
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining("still held");
                held.set(1);
                assertThat(held.save().value().asInt()).isEqualTo(1);
            }
        }

        @Test
        @DisplayName("a lease that runs out is taken over; the old holder's later save and renew are rejected")
        void takeoverFencesTheOldHolder() {
            store.set("hero", Map.of("hp", 10));
            Session stale = store.acquire("hero", Duration.ofMillis(100));
            stale.edit(value -> ((ObjectNode) value).put("hp", -1));
            try (Session next = store.acquire("hero", LONG, WAIT)) { // waits for the lease to run out
                assertThat(next.token()).isGreaterThan(stale.token());
                assertThatThrownBy(stale::save)
                        .isInstanceOf(LockedException.class)
                        .hasMessageContaining("took the key over") // on a shared store the engine may not know by whom
                        .hasMessageContaining("not applied");
                assertThatThrownBy(() -> stale.renew(LONG)).isInstanceOf(LockedException.class);
                assertThatThrownBy(stale::release).isInstanceOf(LockedException.class);
                next.set(Map.of("hp", 20));
                next.release();
            }
            assertThat(store.get("hero").orElseThrow().get("hp").asInt()).isEqualTo(20);
        }

        @Test
        @DisplayName("edits are auto-saved on the storage's schedule while the session stays open")
        void autosave() {
            assumeTrue(isPersistent(), "backend is not persistent");
            storage.close();
            storage = Storage.open(
                    storageUri(directory),
                    options()
                            .overriddenBy(StorageOptions.builder()
                                    .autosaveInterval(Duration.ofMillis(20))
                                    .build()));
            Datastore profiles = storage.datastore("profiles");
            try (Session session = profiles.acquire("hero", LONG)) {
                session.set(Map.of("hp", 1));
                assertThat(profiles.awaitMatch("hero", value -> value.path("hp").asInt() == 1, WAIT)
                                .rev())
                        .isEqualTo(1);
                session.edit(value -> ((ObjectNode) value).put("hp", 2));
                profiles.awaitMatch("hero", value -> value.path("hp").asInt() == 2, WAIT);
                storage.save(); // interval and none modes: make it durable now
            }
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            assertThat(storage.datastore("profiles")
                            .get("hero")
                            .orElseThrow()
                            .get("hp")
                            .asInt())
                    .isEqualTo(2);
        }

        @Test
        @DisplayName("sessions exclude each other: 4 threads × 25 read-modify-write rounds lose no update")
        void mutualExclusion() throws Exception {
            store.set("counter", Map.of("n", 0));
            ThreadRace.run(4, thread -> {
                for (int i = 0; i < 25; i++) {
                    try (Session session = store.acquire("counter", LONG, WAIT)) {
                        int n = session.value().get("n").asInt();
                        session.set(Map.of("n", n + 1));
                        session.release();
                    }
                }
            });
            assertThat(store.get("counter").orElseThrow().get("n").asInt()).isEqualTo(100);
        }

        @Test
        @DisplayName("bad leases and keys are refused by name")
        void badInput() {
            assertThatThrownBy(() -> store.acquire("hero", Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lease");
            assertThatThrownBy(() -> store.acquire("hero", LONG, Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("wait");
            assertThatThrownBy(() -> store.acquire("", LONG)).isInstanceOf(InvalidKeyException.class);
            try (Session session = store.acquire("hero", LONG)) {
                assertThatThrownBy(() -> session.renew(Duration.ofMillis(-1)))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> session.set(new Exploding())).isInstanceOf(DatastoreException.class);
            }
        }
    }

    @Nested
    @DisplayName("metadata: a JSON object beside each value")
    class Metadata {
        @Test
        @DisplayName("metadata is read and replaced without touching the value; the rev goes up by one")
        void besideTheValue() {
            Document created = store.set("hero", Map.of("hp", 10));
            assertThat(created.metadata().isEmpty()).isTrue();
            assertThat(store.getMetadata("hero")).contains(object());

            ObjectNode tags = object().put("owner", "ann");
            tags.putArray("tags").add("pvp");
            Document tagged = store.setMetadata("hero", tags);
            assertThat(tagged.rev()).isEqualTo(created.rev() + 1);
            assertThat(tagged.value()).isEqualTo(created.value());
            assertThat(store.getMetadata("hero").orElseThrow().get("owner").asString())
                    .isEqualTo("ann");

            Document updated = store.updateMetadata("hero", meta -> meta.put("visits", 1));
            assertThat(updated.metadata().toString()).isEqualTo("{\"owner\":\"ann\",\"tags\":[\"pvp\"],\"visits\":1}");
            assertThat(store.getDocument("hero").orElseThrow()).isEqualTo(updated);
        }

        @Test
        @DisplayName("every value write keeps the metadata; delete takes it with the value")
        void valueWritesKeepIt() {
            store.set("hero", Map.of("hp", 10));
            store.setMetadata("hero", Map.of("owner", "ann"));
            store.set("hero", Map.of("hp", 9));
            store.update("hero", value -> ((ObjectNode) value).put("hp", 8));
            store.put(
                    "hero",
                    Map.of("hp", 7),
                    store.getDocument("hero").orElseThrow().rev());
            try (Session session = store.acquire("hero", Duration.ofMinutes(1))) {
                session.set(Map.of("hp", 6));
                session.release();
            }
            Document hero = store.getDocument("hero").orElseThrow();
            assertThat(hero.value().get("hp").asInt()).isEqualTo(6);
            assertThat(hero.metadata().get("owner").asString()).isEqualTo("ann");

            store.set("counter", 1);
            store.setMetadata("counter", Map.of("unit", "games"));
            store.increment("counter", 1);
            assertThat(store.getMetadata("counter").orElseThrow().get("unit").asString())
                    .isEqualTo("games");

            store.delete("hero");
            assertThat(store.getMetadata("hero")).isEmpty();
            assertThat(store.set("hero", 1).metadata().isEmpty())
                    .as("a new key starts bare")
                    .isTrue();
        }

        @Test
        @DisplayName("bad metadata is refused by name and nothing changes")
        void badInput() {
            Document hero = store.set("hero", Map.of("hp", 10));
            assertThatThrownBy(() -> store.setMetadata("nobody", Map.of("a", 1)))
                    .isInstanceOf(KeyNotFoundException.class)
                    .hasMessageContaining("'nobody'")
                    .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
            assertThatThrownBy(() -> store.setMetadata("hero", List.of(1, 2)))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("must be a JSON object")
                    .satisfies(e -> assertThat(((DatastoreException) e).code()).isEqualTo(ErrorCode.INVALID_VALUE));
            assertThatThrownBy(() -> store.updateMetadata("hero", meta -> null))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("returned null");
            assertThatThrownBy(() -> store.updateMetadata("hero", meta -> {
                        throw new IllegalStateException("boom");
                    }))
                    .hasMessageContaining("boom");
            assertThatThrownBy(() -> store.setMetadata("hero", new Exploding())).isInstanceOf(DatastoreException.class);
            assertThat(store.getDocument("hero")).contains(hero);
            assertThat(store.contains("nobody")).isFalse();
        }

        @Test
        @DisplayName("a change of metadata wakes the key's waiters")
        void wakesWaiters() throws Exception {
            store.set("job", "queued");
            CompletableFuture<Optional<Document>> change = store.async().awaitChange("job", WAIT);
            store.setMetadata("job", Map.of("worker", 7));
            assertThat(change.get(WAIT.toSeconds(), TimeUnit.SECONDS)
                            .orElseThrow()
                            .metadata()
                            .get("worker")
                            .asInt())
                    .isEqualTo(7);
        }

        @Test
        @DisplayName("metadata survives reopening, migration and every backend")
        void persisted() {
            assumeTrue(isPersistent(), "backend is not persistent");
            store.set("hero", Map.of("name", "ann"));
            store.setMetadata("hero", object().put("owner", "ann").put("score", new BigDecimal("12.50")));
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            Datastore migrated = storage.datastore(
                    "kit",
                    Schema.builder()
                            .migrate(0, value -> ((ObjectNode) value).put("hp", 10))
                            .build());
            Document hero = migrated.getDocument("hero").orElseThrow();
            assertThat(hero.schemaVersion()).isEqualTo(1);
            assertThat(hero.value().get("hp").asInt()).isEqualTo(10);
            assertThat(hero.metadata().toString()).isEqualTo("{\"owner\":\"ann\",\"score\":12.50}");
            storage.close();
            storage = Storage.open(storageUri(directory), options());
            assertThat(storage.datastore("kit")
                            .getMetadata("hero")
                            .orElseThrow()
                            .toString())
                    .isEqualTo("{\"owner\":\"ann\",\"score\":12.50}");
        }

        @Test
        @DisplayName("a metadata template gives new keys their metadata and fills fields stored metadata lacks")
        void template() {
            store.set("old", 1);
            store.setMetadata("old", Map.of("owner", "ann"));
            Schema schema = Schema.builder()
                    .metadataTemplate(object().put("owner", "nobody").put("visits", 0))
                    .build();
            if (isPersistent()) { // a stored record meets the template on reopen
                storage.close();
                storage = Storage.open(storageUri(directory), options());
                assertThat(storage.datastore("kit", schema)
                                .getMetadata("old")
                                .orElseThrow()
                                .toString())
                        .as("stored fields win, missing ones read as defaults")
                        .isEqualTo("{\"owner\":\"ann\",\"visits\":0}");
            }
            Datastore profiles = storage.datastore("profiles", schema);
            assertThat(profiles.set("new", 2).metadata().toString()).isEqualTo("{\"owner\":\"nobody\",\"visits\":0}");
            profiles.updateMetadata(
                    "new", meta -> meta.put("visits", meta.get("visits").asInt() + 1));
            assertThat(profiles.getMetadata("new").orElseThrow().get("visits").asInt())
                    .isEqualTo(1);
            Schema notAnObject = Schema.builder().metadataTemplate(List.of(1)).build();
            assertThatThrownBy(() -> storage.datastore("listed", notAnObject))
                    .as("mapped when the namespace opens, and refused then")
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("metadata template")
                    .hasMessageContaining("must be a JSON object");
        }

        @Test
        @DisplayName("a field dropped by setMetadata reads as its default at once, the same as after a reopen")
        void droppedFieldReadsAsDefault() {
            Schema schema = Schema.builder()
                    .metadataTemplate(object().put("server", "none").put("logins", 0))
                    .build();
            Datastore profiles = storage.datastore("players", schema);
            profiles.set("ann", 1);
            profiles.setMetadata("ann", Map.of("server", "eu-1"));
            String expected = "{\"server\":\"eu-1\",\"logins\":0}";
            assertThat(profiles.getMetadata("ann").orElseThrow().toString()).isEqualTo(expected);
            assertThat(profiles.getDocument("ann").orElseThrow().metadata().toString())
                    .isEqualTo(expected);
            if (isPersistent()) {
                storage.close();
                storage = Storage.open(storageUri(directory), options());
                assertThat(storage.datastore("players", schema)
                                .getMetadata("ann")
                                .orElseThrow()
                                .toString())
                        .isEqualTo(expected);
            }
        }
    }

    /** Whether data survives closing and reopening this storage's URI; override for non-persistent backends. */
    protected boolean isPersistent() {
        return true;
    }
}
