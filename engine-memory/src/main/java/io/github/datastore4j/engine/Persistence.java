package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.MigrationProgress;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.spi.Mutation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a {@link Namespace} meets its backend outside the sync path: the keys changed since the last save (for the
 * {@code interval} and {@code none} durability modes), saving them, and loading the namespace again from the backend.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. Saves are ordered by a lock, so a later read of a key is never
 * committed before an earlier one; a load replaces each key inside its slot.
 */
final class Persistence {
    private final Namespace ns;
    private final EngineStorage storage;
    private final String name;
    private final Schema schema;
    /** Keys changed since the last save, for the INTERVAL and NONE durability modes. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Orders save batches, so that a later read of a key is never committed before an earlier one. */
    private final Object saveLock = new Object();

    Persistence(Namespace ns, EngineStorage storage, String name, Schema schema) {
        this.ns = ns;
        this.storage = storage;
        this.name = name;
        this.schema = schema;
    }

    void markDirty(String key) {
        dirty.add(key);
    }

    CompletableFuture<Void> save() {
        storage.ensureOpen();
        return saveDirty(true);
    }

    /**
     * Commits every key changed since the last save, as it is now; on failure the keys stay dirty. An urgent save
     * (asked for, or at close) is not held back by the rate limit; auto-saves are.
     */
    CompletableFuture<Void> saveDirty(boolean urgent) {
        List<Mutation> batch = new ArrayList<>();
        CompletableFuture<Void> committed;
        synchronized (saveLock) {
            for (String key : List.copyOf(dirty)) {
                dirty.remove(key); // before reading: a change after this read marks it dirty again
                StoredValue value = ns.current(key);
                batch.add(value == null ? Mutation.delete(name, key) : Mutation.put(name, value.toRecord(name)));
            }
            committed = storage.commit(batch, urgent); // an empty batch still waits for earlier commits
        }
        return committed.whenComplete((ignored, failure) -> {
            if (failure != null) {
                batch.forEach(mutation -> dirty.add(mutation.key()));
            }
        });
    }

    CompletableFuture<Void> load() {
        storage.ensureOpen();
        if (ns.isShared()) {
            return ns.catchUp(); // the cache follows the backend already; load waits until it caught up
        }
        Map<String, StoredValue> loaded = storage.readAll(name);
        List<String> migrated;
        try {
            migrated = schema == null
                    ? List.of()
                    : storage.migrateLoaded(name, loaded, schema, false, MigrationProgress.none());
        } catch (DatastoreException e) {
            return CompletableFuture.failedFuture(e); // nothing replaced: the namespace stays as it was
        }
        Set<String> affected = new HashSet<>(loaded.keySet());
        affected.addAll(ns.keys());
        affected.addAll(dirty);
        List<CompletableFuture<Void>> replaced = new ArrayList<>();
        for (String key : affected) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            replaced.add(done);
            ns.runInSlot(key, slot -> {
                try {
                    StoredValue before = slot.current;
                    StoredValue after = ns.withMetadataDefaults(loaded.get(key));
                    if (before != after) {
                        ns.setCurrent(slot, before, after);
                    }
                    slot.committed = after;
                    dirty.remove(key);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        }
        return CompletableFuture.allOf(replaced.toArray(CompletableFuture[]::new))
                .thenRun(() -> dirty.addAll(migrated)); // migrated in memory, not yet saved
    }
}
