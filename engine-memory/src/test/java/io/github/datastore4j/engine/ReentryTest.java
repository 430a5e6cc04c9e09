package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ThreadRace;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.IntNode;

/** Blocking calls from inside a key's operation: refused before anything is queued, whatever key they name. */
class ReentryTest {
    private final Storage storage = Storage.open("memory:");
    private final Datastore store = storage.datastore("ns");

    @AfterEach
    void close() {
        storage.close();
    }

    /** Runs an operation on {@code key} after everything queued on it so far. */
    private void drain(String key) {
        store.update(key, value -> value);
    }

    @Test
    @DisplayName("a set of the same key inside an update is refused and never takes effect")
    void sameKeyWriteNeverLands() {
        store.set("k", 1);
        assertThatThrownBy(() -> store.update("k", value -> {
                    store.set("k", 99);
                    return value;
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing was done");
        drain("k");
        assertThat(store.get("k", Integer.class)).contains(1);
        assertThat(store.getDocument("k").orElseThrow().rev()).isEqualTo(2); // the drain's own update
    }

    @Test
    @DisplayName("a blocking call on another key inside an update is refused even when that key is idle, and does"
            + " nothing")
    void otherKeyRefusedWhenIdle() {
        store.set("a", 1);
        for (int i = 0; i < 100; i++) {
            assertThatThrownBy(() -> store.update("a", value -> {
                        store.increment("b", 1);
                        return value;
                    }))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.get("b")).isEmpty(); // an idle key runs a queued operation at once: it would be there
    }

    @Test
    @DisplayName("waits and saves inside an update are refused the same way")
    void waitsAndSavesRefused() {
        store.set("a", 1);
        store.set("b", 2);
        assertThatThrownBy(() -> store.update("a", value -> {
                    store.awaitValue("b", 2, Duration.ofSeconds(1));
                    return value;
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.update("a", value -> {
                    store.save();
                    return value;
                }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("crossed updates that write each other's key always fail the same way and never deadlock")
    void crossedUpdatesAreDeterministic() throws Exception {
        store.set("a", 0);
        store.set("b", 0);
        AtomicInteger refused = new AtomicInteger();
        ThreadRace.run(2, thread -> {
            String mine = thread == 0 ? "a" : "b";
            String other = thread == 0 ? "b" : "a";
            for (int i = 0; i < 2_000; i++) {
                try {
                    store.update(mine, value -> {
                        store.increment(other, 1);
                        return value;
                    });
                } catch (IllegalStateException expected) {
                    refused.incrementAndGet();
                }
            }
        });
        assertThat(refused).hasValue(4_000);
        assertThat(store.get("a", Integer.class)).contains(0);
        assertThat(store.get("b", Integer.class)).contains(0);
    }

    @Test
    @DisplayName("reads and async writes inside an update are allowed; the async write runs after the update")
    void readsAndAsyncAllowed() {
        store.set("a", 1);
        store.set("b", 5);
        store.update("a", value -> {
            int b = store.get("b", Integer.class).orElseThrow();
            store.async().increment("b", 1);
            store.async().increment("a", 10); // same key: queued behind this update
            return IntNode.valueOf(value.asInt() + b);
        });
        drain("a");
        drain("b");
        assertThat(store.get("a", Integer.class)).contains(16);
        assertThat(store.get("b", Integer.class)).contains(6);
    }
}
