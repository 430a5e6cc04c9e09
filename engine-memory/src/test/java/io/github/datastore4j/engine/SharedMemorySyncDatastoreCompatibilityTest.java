package io.github.datastore4j.engine;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API over a persistent backend in its default durability, {@code sync}. */
class SharedMemorySyncDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "shared-memory:" + directory;
    }
}
