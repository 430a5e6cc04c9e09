package io.github.datastore4j.backend.json;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

class JsonDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "json:" + directory.resolve("data");
    }
}
