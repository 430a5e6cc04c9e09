package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.FullDiskKit;
import java.nio.file.Path;

class SqliteFullDiskTest extends FullDiskKit {
    @Override
    protected String storageUri(Path directory) {
        return TestStores.uri(directory);
    }
}
