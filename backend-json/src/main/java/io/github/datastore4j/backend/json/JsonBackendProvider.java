package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;

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
        return JsonBackend.open(Locations.requirePath(scheme(), location, "./data"));
    }
}
