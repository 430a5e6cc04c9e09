package io.github.datastore4j.backend.sqlite;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How long the change feed keeps what {@link FeedSweep} may drop: a change superseded by a later change of its key
 * ({@code feedRetention}, default 10 minutes) and the change of a key deleted and not written since ({@code
 * deleteRetention}, default 7 days), as {@code postgres:} does.
 */
record FeedRetention(Duration superseded, Duration deletes) {
    static final FeedRetention DEFAULT = new FeedRetention(Duration.ofMinutes(10), Duration.ofDays(7));

    FeedRetention {
        requireNonNull(superseded, "superseded");
        requireNonNull(deletes, "deletes");
        if (superseded.isNegative() || deletes.isNegative()) {
            throw new IllegalArgumentException("a retention is not negative: " + superseded + ", " + deletes);
        }
    }

    /** How often a process sweeps: half the shorter retention, from 1 second to 30 seconds. */
    Duration sweepInterval() {
        Duration half = superseded.dividedBy(2);
        Duration least = Duration.ofSeconds(1);
        Duration most = Duration.ofSeconds(30);
        return half.compareTo(least) < 0 ? least : half.compareTo(most) > 0 ? most : half;
    }
}
