package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** {@code mapdb:<file>} — a MapDB file store, e.g. {@code mapdb:./db/app.mapdb}; its write-ahead log sits beside it. */
public final class MapDbBackendProvider implements BackendProvider {

    @Override
    public String scheme() {
        return "mapdb";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (location.isBlank()) {
            throw new DatastoreException(ErrorCode.INVALID_OPTION, "mapdb: needs a file, e.g. mapdb:./db/app.mapdb");
        }
        try {
            return MapDbBackend.open(Path.of(location).toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "mapdb: location '" + location + "' is not a valid path: " + e.getMessage());
        }
    }
}
