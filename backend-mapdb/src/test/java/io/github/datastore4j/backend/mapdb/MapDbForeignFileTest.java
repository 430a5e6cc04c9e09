package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.testkit.ForeignFileKit;
import java.nio.file.Path;

class MapDbForeignFileTest extends ForeignFileKit {
    @Override
    protected String storageUri(Path directory) {
        return "mapdb:" + storeFile(directory);
    }

    @Override
    protected Path storeFile(Path directory) {
        return directory.resolve("app.mapdb");
    }
}
