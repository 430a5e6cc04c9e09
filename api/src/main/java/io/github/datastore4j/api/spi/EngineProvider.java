package io.github.datastore4j.api.spi;

import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import java.util.Set;

/**
 * Creates the {@link Storage} that runs the datastore operations over a {@link Backend}. Applications have exactly
 * one engine on their path (the {@code engine-memory} module); it is registered like a {@link BackendProvider}.
 */
public interface EngineProvider {

    /** The names of the settings the engine reads from {@link StorageOptions}. */
    Set<String> settingNames();

    /**
     * A storage over {@code backend}, which it owns and closes.
     *
     * @param uri the URI the storage was opened with, for messages
     */
    Storage open(String uri, Backend backend, BackendProvider provider, StorageOptions options);
}
