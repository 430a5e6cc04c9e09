package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A page of {@link SharedBackend#changesAfter}.
 *
 * @param changes committed changes in position order
 * @param next where to continue: after every change of this page, and never past a position that may still commit
 */
public record ChangePage(List<Change> changes, long next) {
    public ChangePage {
        changes = List.copyOf(changes);
    }

    /**
     * One committed change.
     *
     * @param position its place in the feed
     * @param namespace the namespace
     * @param key the key
     * @param record the record written, or empty for a delete
     */
    public record Change(long position, String namespace, String key, Optional<Record> record) {
        public Change {
            requireNonNull(namespace, "namespace");
            requireNonNull(key, "key");
            requireNonNull(record, "record");
        }
    }
}
