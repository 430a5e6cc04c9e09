package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.SharedStoreKit;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Applications in child JVMs sharing one {@code sqlite:} file, each test on a fresh one. */
class SqliteSharedStoreTest extends SharedStoreKit {
    @TempDir
    Path directory;

    @Override
    protected String storageUri() {
        return TestStores.uri(directory);
    }

    /** A file has no server whose connections could drop: each process's connections are its own, local ones. */
    @Override
    protected void dropConnections() {}
}
