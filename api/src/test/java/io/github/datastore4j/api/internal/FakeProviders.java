package io.github.datastore4j.api.internal;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.EngineProvider;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Providers for discovery tests, listed in service files the tests write. */
final class FakeProviders {
    private FakeProviders() {}

    /** Serves {@code fake:}; remembers what it was opened with. */
    public static class FakeBackendProvider implements BackendProvider {
        static volatile String lastLocation;
        static volatile StorageOptions lastOptions;

        @Override
        public String scheme() {
            return "fake";
        }

        @Override
        public Set<String> settingNames() {
            return Set.of("fakeSetting");
        }

        @Override
        public Backend open(String location, StorageOptions options) {
            lastLocation = location;
            lastOptions = options;
            return new FakeBackend();
        }
    }

    /** A second provider of {@code fake:}. */
    public static class OtherFakeBackendProvider extends FakeBackendProvider {}

    /** Fails while being instantiated. */
    public static class ExplodingBackendProvider extends FakeBackendProvider {
        public ExplodingBackendProvider() {
            throw new IllegalStateException("cannot start");
        }
    }

    /** An engine that returns a storage recording the backend it was given. */
    public static class FakeEngineProvider implements EngineProvider {
        @Override
        public Set<String> settingNames() {
            return Set.of(StorageOptions.DURABILITY);
        }

        @Override
        public Storage open(String uri, Backend backend, BackendProvider provider, StorageOptions options) {
            return new FakeStorage(uri, backend);
        }
    }

    record FakeStorage(String uri, Backend backend) implements Storage {
        @Override
        public Datastore datastore(String namespace) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Datastore datastore(String namespace, io.github.datastore4j.api.Schema schema) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Datastore migrate(
                String namespace,
                io.github.datastore4j.api.Schema schema,
                io.github.datastore4j.api.MigrationProgress progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<String> namespaces() {
            return Set.of();
        }

        @Override
        public Durability durability() {
            return Durability.NONE;
        }

        @Override
        public io.github.datastore4j.api.StorageStatistics statistics() {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<io.github.datastore4j.api.QuarantinedRecord> quarantined() {
            return List.of();
        }

        @Override
        public void save() {}

        @Override
        public void awaitIdle() {}

        @Override
        public void close() {
            backend.close();
        }
    }

    static final class FakeBackend implements Backend {
        @Override
        public BackendCapabilities capabilities() {
            return BackendCapabilities.inMemory();
        }

        @Override
        public CompletableFuture<Optional<Record>> read(String namespace, String key) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletableFuture<Void> write(List<Mutation> batch) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Set<String>> namespaces() {
            return CompletableFuture.completedFuture(Set.of());
        }

        @Override
        public void close() {}
    }
}
