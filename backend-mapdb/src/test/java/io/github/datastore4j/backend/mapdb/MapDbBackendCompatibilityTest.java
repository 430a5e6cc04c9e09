package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class MapDbBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return new MapDbBackendProvider().open(directory.resolve("app.mapdb").toString(), StorageOptions.defaults());
    }
}
