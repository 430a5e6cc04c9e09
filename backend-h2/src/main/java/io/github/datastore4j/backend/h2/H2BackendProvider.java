package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;

/**
 * {@code h2:<path>} — an embedded H2 database file ({@code <path>.mv.db}), forced to disk on every commit so that
 * an acknowledged write survives a crash; {@code h2:mem:<name>} — an in-memory database that lives while the storage is
 * open; {@code h2:jdbc:h2:…} — any H2 JDBC URL, such as an H2 server's, used as given.
 */
public final class H2BackendProvider implements BackendProvider {
    private static final String JDBC_PREFIX = "jdbc:h2:";

    @Override
    public String scheme() {
        return "h2";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (location.isBlank()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, "h2: needs a database, e.g. h2:./db/app, h2:mem:test or h2:jdbc:h2:…");
        }
        if (location.startsWith(JDBC_PREFIX)) {
            return H2Backend.open(location, !location.startsWith(JDBC_PREFIX + "mem:"));
        }
        if (location.startsWith("mem:")) {
            return H2Backend.open(JDBC_PREFIX + location, false);
        }
        return H2Backend.open(JDBC_PREFIX + Locations.requirePath(scheme(), location, "./db/app"), true);
    }
}
