package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class SqliteBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return TestStores.open(TestStores.file(directory));
    }
}
