package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * {@code json:<folder>} — one pretty JSON file per document under a folder per namespace, e.g.
 * {@code json:./data}. Writes are atomic per file and forced to disk before they are acknowledged; the folder is
 * locked by the process that opens it.
 */
public final class JsonBackendProvider implements BackendProvider {

    @Override
    public String scheme() {
        return "json";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (location.isBlank()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, "json: needs a folder, e.g. json:./data or json:/var/lib/app/data");
        }
        Path folder;
        try {
            folder = Path.of(location).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "json: location '" + location + "' is not a valid path: " + e.getMessage());
        }
        return JsonBackend.open(folder);
    }
}
