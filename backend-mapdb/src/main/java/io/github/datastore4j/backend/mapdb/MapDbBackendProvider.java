package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;

/**
 * {@code mapdb:<file>} — a MapDB file store, e.g. {@code mapdb:./db/app.mapdb}. Beside it sit its redo journal
 * {@code <file>.journal} (empty after a clean close) and its lock file {@code <file>.lock}, which names the process
 * holding the store; keep all three together when copying a closed store.
 */
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
