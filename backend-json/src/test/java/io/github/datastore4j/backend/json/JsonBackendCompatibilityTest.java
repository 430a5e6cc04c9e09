package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class JsonBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return new JsonBackendProvider().open(directory.resolve("store").toString(), StorageOptions.defaults());
    }
}
