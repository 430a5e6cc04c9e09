package io.github.datastore4j.engine;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API over {@code memory:} with its default durability, {@code none}. */
class MemoryDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "memory:";
    }

    @Override
    protected boolean isPersistent() {
        return false;
    }
}
