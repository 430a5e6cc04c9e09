package io.github.datastore4j.engine;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;

/**
 * {@code sharedmem:<name>}: a new {@link SharedMemoryInstance} of the {@link SharedMemoryStore} registered as {@code
 * name} (created, with the system clock, if there is none), so that every storage opened on one URI is another process
 * on one shared store. To control the store's clock or hooks, create the store first and use its {@link
 * SharedMemoryStore#uri()}.
 *
 * <p><b>Concurrency contract.</b> Stateless and thread-safe.
 */
public final class SharedMemoryStoreProvider implements BackendProvider {
    @Override
    public String scheme() {
        return SharedMemoryStore.SCHEME;
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (location.isEmpty()) {
            throw new BackendException(
                    "a " + SharedMemoryStore.SCHEME + ": URI names its store, as in " + SharedMemoryStore.SCHEME
                            + ":orders; it has no name",
                    null);
        }
        try {
            return SharedMemoryStore.named(location).open();
        } catch (IllegalStateException e) {
            throw new BackendException(
                    "cannot open " + SharedMemoryStore.SCHEME + ":" + location + ": " + e.getMessage(), e);
        }
    }
}
