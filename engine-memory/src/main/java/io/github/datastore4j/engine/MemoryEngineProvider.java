package io.github.datastore4j.engine;

import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.EngineProvider;
import java.util.Set;

/** The datastore4j engine, registered as the {@link EngineProvider} service. */
public final class MemoryEngineProvider implements EngineProvider {
    private static final Set<String> SETTINGS = Set.of(
            StorageOptions.DURABILITY,
            StorageOptions.AUTOSAVE,
            StorageOptions.MAX_VALUE_BYTES,
            StorageOptions.ON_CORRUPT,
            StorageOptions.RETRIES,
            StorageOptions.RETRY_BACKOFF,
            StorageOptions.WRITES_PER_SECOND,
            StorageOptions.DEBUG);

    @Override
    public Set<String> settingNames() {
        return SETTINGS;
    }

    @Override
    public Storage open(String uri, Backend backend, BackendProvider provider, StorageOptions options) {
        return new EngineStorage(uri, provider.scheme(), backend, options);
    }
}
