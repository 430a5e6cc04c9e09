package io.github.datastore4j.engine;

import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.testkit.SharedBackendKit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;

/** The testkit's shared-store contract, over four instances of one {@link SharedMemoryStore}, as over PostgreSQL. */
class SharedMemoryStoreKitTest extends SharedBackendKit {
    private final SharedMemoryStore store = SharedMemoryStore.create();

    @Override
    protected List<SharedBackend> openInstances(int count) {
        List<SharedBackend> opened = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            opened.add(store.open());
        }
        return opened;
    }

    @Override
    protected HeldWrite holdOpen(SharedBackend backend, List<ConditionalWrite> batch) {
        SharedMemoryInstance.HeldBatch held = ((SharedMemoryInstance) backend).holdNextBatch();
        CompletableFuture<ConditionalResult> result = CompletableFuture.supplyAsync(
                () -> backend.writeConditionally(batch).join());
        return new HeldWrite() {
            @Override
            public void awaitHeld() throws InterruptedException {
                try {
                    held.awaitHeld(Duration.ofMinutes(1));
                } catch (TimeoutException e) {
                    throw new AssertionError("the batch was not held within a minute", e);
                }
            }

            @Override
            public CompletableFuture<ConditionalResult> commit() {
                held.release();
                return result;
            }
        };
    }

    @AfterEach
    void closeTheStore() {
        store.close();
    }
}
