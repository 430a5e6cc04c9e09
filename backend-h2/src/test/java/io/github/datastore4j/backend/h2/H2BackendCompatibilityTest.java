package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class H2BackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return new H2BackendProvider().open(directory.resolve("db").toString(), StorageOptions.defaults());
    }
}
