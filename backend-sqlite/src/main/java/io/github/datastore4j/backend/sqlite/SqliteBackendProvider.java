package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code sqlite:<file>} — {@code sqlite:./app.db} or {@code sqlite:/var/lib/app/app.db}: one SQLite file in WAL mode
 * that the processes of one machine share ({@link SqliteBackend}).
 *
 * <p>Settings (in the URI's query or in {@link StorageOptions}): {@code busyTimeout} (default {@code 10s}), how long a
 * write waits for another process's write before it fails with {@code LOCKED}; {@code feedRetention} (default {@code
 * 10m}) and {@code deleteRetention} (default {@code 168h}), as for {@code postgres:}. {@code durability} maps to
 * {@code synchronous} as the package comment says.
 */
public final class SqliteBackendProvider implements BackendProvider {
    static final String BUSY_TIMEOUT = "busyTimeout";
    static final String FEED_RETENTION = "feedRetention";
    static final String DELETE_RETENTION = "deleteRetention";
    static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public String scheme() {
        return "sqlite";
    }

    @Override
    public Set<String> settingNames() {
        return Set.of(BUSY_TIMEOUT, FEED_RETENTION, DELETE_RETENTION);
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        return SqliteBackend.open(target(location, options));
    }

    /** The store {@code location} and {@code options} name; {@code INVALID_OPTION} for a bad one. */
    static SqliteTarget target(String location, StorageOptions options) {
        Path file = Locations.requirePath("sqlite", location, "./app.db");
        Map<String, String> settings = options.asMap();
        String synchronous = options.durability().orElse(Durability.SYNC) == Durability.NONE ? "NORMAL" : "FULL";
        Duration busy = duration(settings, BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT);
        FeedRetention retention = new FeedRetention(
                duration(settings, FEED_RETENTION, FeedRetention.DEFAULT.superseded()),
                duration(settings, DELETE_RETENTION, FeedRetention.DEFAULT.deletes()));
        return new SqliteTarget(file, synchronous, busy, retention);
    }

    private static Duration duration(Map<String, String> settings, String name, Duration otherwise) {
        String text = settings.get(name);
        if (text == null) {
            return otherwise;
        }
        try {
            return StorageOptions.parseDuration(text);
        } catch (DatastoreException e) {
            throw new DatastoreException(ErrorCode.INVALID_OPTION, "sqlite: " + name + ": " + e.getMessage());
        }
    }
}
