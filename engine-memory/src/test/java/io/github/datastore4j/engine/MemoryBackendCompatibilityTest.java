package io.github.datastore4j.engine;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class MemoryBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return new MemoryBackendProvider().open("", StorageOptions.defaults());
    }
}
