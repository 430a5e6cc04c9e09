package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.ForeignFileKit;
import java.nio.file.Path;

class SqliteForeignFileTest extends ForeignFileKit {
    @Override
    protected String storageUri(Path directory) {
        return TestStores.uri(directory);
    }

    @Override
    protected Path storeFile(Path directory) {
        return TestStores.file(directory);
    }
}
