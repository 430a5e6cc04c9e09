package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** What the engine accepts of a backend that says it is shared, before it writes anything to it. */
class SharedModeOptionsTest {
    @Test
    void aBackendThatSaysSharedButHasNoSharedSpiIsRefused() {
        Backend claims = (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("capabilities")) {
                        return new BackendCapabilities(true, true, true, true, true, true);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> new EngineStorage("test:", "test", claims, StorageOptions.defaults()))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("does not implement io.github.datastore4j.api.spi.SharedBackend")
                .extracting(e -> ((DatastoreException) e).code())
                .isEqualTo(ErrorCode.NO_PROVIDER);
    }

    @Test
    void aSharedStoreIsAlwaysSyncAndRefusesAnotherDurability() {
        StorageOptions interval =
                StorageOptions.builder().durability(Durability.INTERVAL).build();
        assertThatThrownBy(() -> new EngineStorage("test:", "test", new FeedFollowerTest.Feed(), interval))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("durability interval")
                .hasMessageContaining("shared between processes")
                .extracting(e -> ((DatastoreException) e).code())
                .isEqualTo(ErrorCode.INVALID_OPTION);
        EngineStorage storage =
                new EngineStorage("test:", "test", new FeedFollowerTest.Feed(), StorageOptions.defaults());
        try {
            assertThat(storage.durability()).isEqualTo(Durability.SYNC);
        } finally {
            storage.close();
        }
    }
}
