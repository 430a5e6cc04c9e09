package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;

/** {@code mapdb:<file>} — a MapDB file store, e.g. {@code mapdb:./db/app.mapdb}; its write-ahead log sits beside it. */
public final class MapDbBackendProvider implements BackendProvider {

    @Override
    public String scheme() {
        return "mapdb";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        return MapDbBackend.open(Locations.requirePath(scheme(), location, "./db/app.mapdb"));
    }
}
