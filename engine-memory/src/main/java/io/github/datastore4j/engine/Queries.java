package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The range queries and snapshots of a {@link Namespace}, read from its sorted key index without queueing.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. A query walks the concurrent index: each key is seen atomically, the
 * whole range is not. A snapshot sees every key at one instant (see {@link #snapshotNow()}).
 */
final class Queries {
    private final Namespace ns;
    private final EngineStorage storage;

    Queries(Namespace ns, EngineStorage storage) {
        this.ns = ns;
        this.storage = storage;
    }

    Page query(KeyQuery query) {
        requireNonNull(query, "query");
        storage.ensureOpen();
        if (query.limit() == 0) {
            return new Page(List.of(), List.of(), null);
        }
        NavigableSet<String> range = range(query);
        List<String> pageKeys = new ArrayList<>();
        List<Document> pageDocuments = new ArrayList<>();
        int toSkip = query.skip();
        String nextCursor = null;
        for (String key : range) {
            StoredValue value = ns.current(key);
            if (value == null) {
                continue; // deleted since the index was read
            }
            if (toSkip > 0) {
                toSkip--;
                continue;
            }
            if (pageKeys.size() == query.limit()) {
                nextCursor = KeyCursor.encode(pageKeys.get(pageKeys.size() - 1), query.descending());
                break;
            }
            pageKeys.add(key);
            if (query.includeDocuments()) {
                pageDocuments.add(value.document());
            }
        }
        return new Page(pageKeys, pageDocuments, nextCursor);
    }

    /** The index range a query covers, already in the query's direction and past its cursor. */
    private NavigableSet<String> range(KeyQuery query) {
        boolean descending = query.descending();
        String low = descending ? query.endKey().orElse(null) : query.startKey().orElse(null);
        String high =
                descending ? query.startKey().orElse(null) : query.endKey().orElse(null);
        boolean lowInclusive = !descending || query.inclusiveEnd();
        boolean highInclusive = descending || query.inclusiveEnd();
        if (query.cursor().isPresent()) {
            String after = KeyCursor.decode(query.cursor().get(), descending);
            if (descending) {
                if (high == null || after.compareTo(high) <= 0) {
                    high = after;
                    highInclusive = false;
                }
            } else if (low == null || after.compareTo(low) >= 0) {
                low = after;
                lowInclusive = false;
            }
        }
        if (low != null && high != null) {
            int order = low.compareTo(high);
            if (order > 0 || (order == 0 && !(lowInclusive && highInclusive))) {
                return Collections.emptyNavigableSet();
            }
        }
        NavigableSet<String> range;
        if (low != null && high != null) {
            range = ns.keys().subSet(low, lowInclusive, high, highInclusive);
        } else if (low != null) {
            range = ns.keys().tailSet(low, lowInclusive);
        } else if (high != null) {
            range = ns.keys().headSet(high, highInclusive);
        } else {
            range = ns.keys();
        }
        return descending ? range.descendingSet() : range;
    }

    CompletableFuture<Page> queryKeys(KeyQuery query) {
        return CompletableFuture.completedFuture(query(query));
    }

    /**
     * Every document at one instant: changes hold {@link Namespace#changes()} shared while they make a value current, the copy
     * holds it exclusively, so no change is half seen. Copying references only, it holds writers back for O(keys).
     */
    SortedMap<String, Document> snapshotNow() {
        storage.ensureOpen();
        TreeMap<String, Document> copy = new TreeMap<>();
        long stamp = ns.changes().writeLock();
        try {
            for (String key : ns.keys()) {
                StoredValue value = ns.current(key);
                if (value != null) {
                    copy.put(key, value.document());
                }
            }
        } finally {
            ns.changes().unlockWrite(stamp);
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    CompletableFuture<SortedMap<String, Document>> snapshot() {
        return CompletableFuture.completedFuture(snapshotNow());
    }
}
