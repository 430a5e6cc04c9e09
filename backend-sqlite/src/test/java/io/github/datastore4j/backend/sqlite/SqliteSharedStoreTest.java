package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.SharedStoreKit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Applications in child JVMs sharing one {@code sqlite:} file, each test on a fresh one. */
class SqliteSharedStoreTest extends SharedStoreKit {
    @Override
    protected String storageUri() {
        try {
            Path directory = Files.createTempDirectory("datastore4j-sqlite-shared");
            directory.toFile().deleteOnExit();
            return TestStores.uri(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file has no server whose connections could drop: each process's connections are its own, local ones. */
    @Override
    protected void dropConnections() {}
}
