package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.testkit.ExclusiveAccessKit;
import java.nio.file.Path;

class MapDbExclusiveAccessTest extends ExclusiveAccessKit {
    @Override
    protected String storageUri(Path directory) {
        return "mapdb:" + location(directory);
    }

    @Override
    protected boolean namesHolderPid() {
        return true;
    }

    @Override
    protected Path location(Path directory) {
        return directory.resolve("app.mapdb");
    }
}
