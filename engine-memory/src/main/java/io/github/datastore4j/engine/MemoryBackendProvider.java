package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;

/**
 * The {@code memory:} backend: records in this process's memory, gone when the storage closes. The default for tests
 * and for coordination that needs no persistence.
 */
public final class MemoryBackendProvider implements BackendProvider {

    @Override
    public String scheme() {
        return "memory";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (!location.isEmpty()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "memory: takes no location, was 'memory:" + location + "'; every memory: storage is private");
        }
        return new MemoryBackend();
    }
}
