package io.github.datastore4j.engine;

import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A test backend, {@code shared-memory:<name>}, whose data outlives its {@link Backend} inside this JVM, so the engine
 * can be tested as over a persistent backend. Each named store records its commits and can hold a commit at a gate
 * or fail the next ones, to test group commit and failures without sleeping.
 */
public final class SharedMemoryBackendProvider implements BackendProvider {
    static final Map<String, Store> STORES = new ConcurrentHashMap<>();

    @Override
    public String scheme() {
        return "shared-memory";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        return new SharedBackend(store(location));
    }

    static Store store(String name) {
        return STORES.computeIfAbsent(name, n -> new Store());
    }

    /** The data and the test hooks of one name. */
    static final class Store {
        final Map<String, ConcurrentSkipListMap<String, Record>> data = new ConcurrentHashMap<>();
        /** The size of every committed batch, in order. */
        final List<Integer> commits = new CopyOnWriteArrayList<>();

        final Map<String, Record> quarantine = new ConcurrentHashMap<>();

        final AtomicInteger failNextWrites = new AtomicInteger();
        /** A key whose put fails every batch that holds it, as a backend refuses a record it cannot store. */
        volatile String refusedKey;

        volatile Semaphore gate;
        /** One permit per commit that reached the gate. */
        final Semaphore arrivals = new Semaphore(0);

        volatile CountDownLatch committed = new CountDownLatch(0);

        /** Holds every commit at the gate until it is let through. */
        void holdCommits() {
            gate = new Semaphore(0);
        }

        /** Waits until a commit is held at the gate. */
        boolean awaitHeldCommit() throws InterruptedException {
            return arrivals.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS);
        }

        void letOneCommitThrough() {
            gate.release();
        }

        void releaseCommits() {
            Semaphore held = gate;
            gate = null;
            if (held != null) {
                held.release(Integer.MAX_VALUE / 2);
            }
        }

        Optional<Record> get(String namespace, String key) {
            Map<String, Record> records = data.get(namespace);
            return Optional.ofNullable(records == null ? null : records.get(key));
        }
    }

    private static final class SharedBackend implements Backend {
        private final Store store;
        private volatile boolean closed;

        SharedBackend(Store store) {
            this.store = store;
        }

        @Override
        public BackendCapabilities capabilities() {
            return new BackendCapabilities(true, true, false, true, false);
        }

        @Override
        public CompletableFuture<Optional<Record>> read(String namespace, String key) {
            return closed ? closedFuture() : CompletableFuture.completedFuture(store.get(namespace, key));
        }

        @Override
        public CompletableFuture<Void> write(List<Mutation> batch) {
            if (closed) {
                return closedFuture();
            }
            Semaphore gate = store.gate;
            if (gate != null) {
                store.arrivals.release();
                gate.acquireUninterruptibly();
            }
            if (store.failNextWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return CompletableFuture.failedFuture(new java.io.IOException("injected: No space left on device"));
            }
            String refused = store.refusedKey;
            if (refused != null
                    && batch.stream()
                            .anyMatch(m -> m instanceof Mutation.Put && m.key().equals(refused))) {
                return CompletableFuture.failedFuture(new java.io.IOException("injected: cannot store " + refused));
            }
            synchronized (store) {
                for (Mutation mutation : batch) {
                    if (mutation instanceof Mutation.Put) {
                        store.data
                                .computeIfAbsent(mutation.namespace(), ns -> new ConcurrentSkipListMap<>())
                                .put(mutation.key(), ((Mutation.Put) mutation).record());
                    } else {
                        Map<String, Record> records = store.data.get(mutation.namespace());
                        if (records != null) {
                            records.remove(mutation.key());
                        }
                    }
                }
                store.commits.add(batch.size());
            }
            store.committed.countDown();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
            if (closed) {
                return closedFuture();
            }
            Map<String, Record> records = store.data.get(namespace);
            new ArrayList<>(records == null ? List.<Record>of() : records.values()).forEach(sink);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<String> quarantine(Damaged entry) {
            synchronized (store) {
                Map<String, Record> records = store.data.get(entry.namespace());
                Record record = records == null ? null : records.remove(entry.key());
                if (record != null) {
                    store.quarantine.put(entry.namespace() + "/" + entry.key(), record);
                }
            }
            return CompletableFuture.completedFuture("quarantine of the shared-memory test store");
        }

        @Override
        public CompletableFuture<Set<String>> namespaces() {
            Set<String> names = new TreeSet<>();
            store.data.forEach((name, records) -> {
                if (!records.isEmpty()) {
                    names.add(name);
                }
            });
            return closed ? closedFuture() : CompletableFuture.completedFuture(names);
        }

        @Override
        public void close() {
            closed = true;
        }

        private static <T> CompletableFuture<T> closedFuture() {
            return CompletableFuture.failedFuture(new IllegalStateException("backend closed"));
        }
    }
}
