package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A page of a namespace's change feed, from {@link Datastore#changes(long, int)}: what every process committed, in
 * the order of the feed, like CouchDB's {@code _changes?since=}.
 *
 * @param changes the changes, in feed order: each key's in the order they committed
 * @param next where the next page starts: pass it to {@code changes(next, …)}, now or after a restart (save it with
 *     the work it stands for, and a restarted reader misses nothing and repeats nothing)
 */
public record ChangesPage(List<Change> changes, long next) {
    public ChangesPage {
        changes = List.copyOf(requireNonNull(changes, "changes"));
    }

    /**
     * One committed change.
     *
     * @param seq its place in the feed: positions grow, but are not consecutive (they are shared with the store's
     *     other namespaces)
     * @param key the key
     * @param document the document written, or empty for a delete
     */
    public record Change(long seq, String key, Optional<Document> document) {
        public Change {
            requireNonNull(key, "key");
            requireNonNull(document, "document");
        }
    }
}
