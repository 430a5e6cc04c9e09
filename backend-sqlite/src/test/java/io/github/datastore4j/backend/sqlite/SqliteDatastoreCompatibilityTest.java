package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

class SqliteDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return TestStores.uri(directory);
    }
}
