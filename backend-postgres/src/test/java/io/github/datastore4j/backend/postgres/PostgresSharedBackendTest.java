package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.testkit.SharedBackendKit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** The shared-store SPI over four backends on one fresh schema, each with its own connections, as four processes. */
class PostgresSharedBackendTest extends SharedBackendKit {
    @Override
    protected List<SharedBackend> openInstances(int count) {
        PostgresTarget target = TestPostgres.target(TestPostgres.freshSchema());
        List<SharedBackend> backends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            backends.add(PostgresBackend.open(target)); // no store lock: several engines, as later
        }
        return backends;
    }

    @Override
    protected HeldWrite holdOpen(SharedBackend backend, List<ConditionalWrite> batch) {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<ConditionalResult> result = CompletableFuture.supplyAsync(() -> ((PostgresBackend) backend)
                .writeConditionally(batch, () -> {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                })
                .join());
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
