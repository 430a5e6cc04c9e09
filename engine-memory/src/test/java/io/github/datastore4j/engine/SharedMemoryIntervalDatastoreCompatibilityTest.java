package io.github.datastore4j.engine;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API over a persistent backend with {@code interval} durability and a 50 ms auto-save. */
class SharedMemoryIntervalDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return "shared-memory:" + directory + "?durability=interval&autosave=50ms";
    }
}
