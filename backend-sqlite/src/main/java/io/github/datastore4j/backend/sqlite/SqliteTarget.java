package io.github.datastore4j.backend.sqlite;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.spi.Locations;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a store lives and how its connections run.
 *
 * @param file the database file, absolute and normalized
 * @param synchronous {@code FULL} or {@code NORMAL}, see the package comment
 * @param busyTimeout how long a writer waits for another process's write lock before failing with {@code LOCKED}
 * @param retention how long the change feed keeps what it may drop
 */
record SqliteTarget(Path file, String synchronous, Duration busyTimeout, FeedRetention retention) {
    SqliteTarget {
        requireNonNull(file, "file");
        requireNonNull(synchronous, "synchronous");
        requireNonNull(busyTimeout, "busyTimeout");
        requireNonNull(retention, "retention");
    }

    /** The file as messages name it. */
    String shown() {
        return Locations.redact(file.toString());
    }

    /** Whether a commit is forced to disk before it returns. */
    boolean durable() {
        return "FULL".equals(synchronous) || "EXTRA".equals(synchronous);
    }
}
