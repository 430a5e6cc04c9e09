package io.github.datastore4j.engine;

import io.github.datastore4j.api.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One {@link SharedMemoryBackendProvider} store for one test: opens storages on it, and on {@link #close()} lets held
 * commits go, closes every storage it opened and forgets the store. Not thread-safe: open from the test thread.
 */
final class SharedMemoryFixture implements AutoCloseable {
    final String name;
    final SharedMemoryBackendProvider.Store backend;
    /** Every storage opened, in order; a test may close and remove one itself. */
    final List<Storage> storages = new ArrayList<>();

    SharedMemoryFixture(String prefix) {
        this.name = prefix + "-" + UUID.randomUUID();
        this.backend = SharedMemoryBackendProvider.store(name);
    }

    /** The store's URI with {@code settings} (empty, or a query starting with {@code ?}). */
    String uri(String settings) {
        return "shared-memory:" + name + settings;
    }

    /** Opens a storage on the store, closed by {@link #close()}. */
    Storage open(String settings) {
        Storage storage = Storage.open(uri(settings));
        storages.add(storage);
        return storage;
    }

    @Override
    public void close() {
        backend.releaseCommits();
        storages.forEach(Storage::close);
        SharedMemoryBackendProvider.STORES.remove(name);
    }
}
