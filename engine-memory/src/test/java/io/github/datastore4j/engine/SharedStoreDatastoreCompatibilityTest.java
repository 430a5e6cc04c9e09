package io.github.datastore4j.engine;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API in the engine's shared mode, over an in-memory shared store ({@link SharedMemoryStore}). */
class SharedStoreDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "sharedmem:" + directory.getFileName();
    }
}
