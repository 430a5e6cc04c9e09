package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.StorageOptions;
import java.nio.file.Path;

/** Stores for the tests: one file per test folder. */
final class TestStores {
    private TestStores() {}

    static Path file(Path directory) {
        return directory.resolve("store.db");
    }

    static String uri(Path directory) {
        return "sqlite:" + file(directory);
    }

    static SqliteTarget target(Path file) {
        return SqliteBackendProvider.target(file.toString(), StorageOptions.defaults());
    }

    static SqliteBackend open(Path file) {
        return SqliteBackend.open(target(file));
    }
}
