package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;

/**
 * What {@link SharedBackend#snapshot} read: a namespace's records at one instant, and where its change feed goes on
 * from there.
 *
 * @param records every record of the namespace at that instant
 * @param position every change at or before it is reflected in {@code records}; continue the feed from here
 * @param included the positions after {@code position} whose changes {@code records} reflect already (changes that
 *     committed before the instant while an earlier position was still open): skip them when following the feed
 */
public record SharedSnapshot(List<Record> records, long position, Set<Long> included) {
    public SharedSnapshot {
        records = List.copyOf(requireNonNull(records, "records"));
        included = Set.copyOf(requireNonNull(included, "included"));
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative: " + position);
        }
        for (long at : included) {
            if (at <= position) {
                throw new IllegalArgumentException(
                        "an included position must be after the snapshot's position " + position + ": " + at);
            }
        }
    }
}
