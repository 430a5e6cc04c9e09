package io.github.datastore4j.engine;

import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Records in sorted in-memory maps, one per namespace. A batch is applied under a write lock, so readers see it
 * whole or not at all. Futures complete on the calling thread. Thread-safe.
 */
final class MemoryBackend implements Backend {
    private final Map<String, ConcurrentSkipListMap<String, Record>> namespaces = new ConcurrentHashMap<>();
    private final Map<String, Record> quarantined = new ConcurrentHashMap<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    @Override
    public BackendCapabilities capabilities() {
        return BackendCapabilities.inMemory();
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        if (closed) {
            return closedFuture();
        }
        lock.readLock().lock();
        try {
            Map<String, Record> records = namespaces.get(namespace);
            return CompletableFuture.completedFuture(Optional.ofNullable(records == null ? null : records.get(key)));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        if (closed) {
            return closedFuture();
        }
        lock.writeLock().lock();
        try {
            for (Mutation mutation : batch) {
                if (mutation instanceof Mutation.Put) {
                    Record record = ((Mutation.Put) mutation).record();
                    namespaces
                            .computeIfAbsent(mutation.namespace(), ns -> new ConcurrentSkipListMap<>())
                            .put(record.key(), record);
                } else {
                    Map<String, Record> records = namespaces.get(mutation.namespace());
                    if (records != null) {
                        records.remove(mutation.key());
                        if (records.isEmpty()) {
                            namespaces.remove(mutation.namespace());
                        }
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        if (closed) {
            return closedFuture();
        }
        List<Record> records;
        lock.readLock().lock();
        try {
            Map<String, Record> stored = namespaces.get(namespace);
            records = stored == null ? List.of() : List.copyOf(stored.values());
        } finally {
            lock.readLock().unlock();
        }
        try {
            records.forEach(sink);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Moves the record to a quarantine map in this backend; it is dropped with the backend. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        if (closed) {
            return closedFuture();
        }
        lock.writeLock().lock();
        try {
            Map<String, Record> records = namespaces.get(entry.namespace());
            Record record = records == null ? null : records.remove(entry.key());
            if (record != null) {
                quarantined.put(entry.namespace() + '\u0000' + entry.key(), record);
            }
            return CompletableFuture.completedFuture("the memory backend's quarantine");
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        if (closed) {
            return closedFuture();
        }
        return CompletableFuture.completedFuture(new TreeSet<>(namespaces.keySet()));
    }

    @Override
    public void close() {
        closed = true;
        namespaces.clear();
    }

    private static <T> CompletableFuture<T> closedFuture() {
        return CompletableFuture.failedFuture(new IllegalStateException("memory backend is closed"));
    }
}
