package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

class MapDbDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "mapdb:" + directory.resolve("app.mapdb");
    }
}
