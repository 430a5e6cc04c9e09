package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.testkit.SharedBackendKit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.io.TempDir;

/** The shared-store SPI over four backends on one file, each with its own connections and writer, as four processes. */
class SqliteSharedBackendTest extends SharedBackendKit {
    @TempDir
    Path directory;

    @Override
    protected List<SharedBackend> openInstances(int count) {
        List<SharedBackend> backends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            backends.add(TestStores.open(TestStores.file(directory)));
        }
        return backends;
    }

    @Override
    protected boolean writersSerialized() {
        return true;
    }

    @Override
    protected HeldWrite holdOpen(SharedBackend backend, List<ConditionalWrite> batch) {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<ConditionalResult> result = ((SqliteBackend) backend).writeConditionally(batch, () -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        return new HeldWrite() {
            @Override
            public void awaitHeld() throws InterruptedException {
                held.await();
            }

            @Override
            public CompletableFuture<ConditionalResult> commit() {
                release.countDown();
                return result;
            }
        };
    }
}
