package io.github.datastore4j.engine;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API over {@code memory:} with every write going through the commit pipeline. */
class MemorySyncDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "memory:?durability=sync";
    }

    @Override
    protected boolean isPersistent() {
        return false;
    }
}
