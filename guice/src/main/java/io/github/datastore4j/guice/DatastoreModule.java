package io.github.datastore4j.guice;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.name.Names;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binds a {@link Storage} opened from a URI as a singleton, and a {@link Datastore} per declared namespace under
 * {@code @Named("<namespace>")}.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(DatastoreModule.forUri("json:./data").withNamespaces("jobs", "users"));
 * class JobService {
 *     @Inject JobService(@Named("jobs") Datastore jobs) { … }
 * }
 * // at the end of the application:
 * DatastoreModule.shutdown(injector);
 * }</pre>
 *
 * <p>The storage opens on first injection. Guice has no shutdown of its own: call {@link #shutdown(Injector)} when
 * the application stops; a JVM shutdown hook closes the storage if that was forgotten. Namespaces not declared can
 * be reached through the injected {@code Storage}. Immutable; the "with" methods return new modules.
 */
public final class DatastoreModule extends AbstractModule {
    private final String uri;
    private final StorageOptions options;
    private final Set<String> namespaces;

    private DatastoreModule(String uri, StorageOptions options, Set<String> namespaces) {
        this.uri = requireNonNull(uri, "uri");
        this.options = requireNonNull(options, "options");
        this.namespaces = namespaces;
    }

    /** A module for the storage at {@code uri}, with default options. */
    public static DatastoreModule forUri(String uri) {
        return create(uri, StorageOptions.defaults());
    }

    /** A module for the storage at {@code uri}; {@code options} win over the URI's settings. */
    public static DatastoreModule create(String uri, StorageOptions options) {
        return new DatastoreModule(uri, options, Set.of());
    }

    /**
     * This module also binding {@code @Named(namespace) Datastore} for each namespace.
     *
     * @throws io.github.datastore4j.api.InvalidKeyException if a name breaks the namespace rules
     */
    public DatastoreModule withNamespaces(String... names) {
        Set<String> all = new LinkedHashSet<>(namespaces);
        for (String name : List.of(names)) {
            all.add(io.github.datastore4j.api.spi.Names.requireValidNamespace(name));
        }
        return new DatastoreModule(uri, options, Set.copyOf(all));
    }

    @Override
    protected void configure() {
        bind(StorageHolder.class).toInstance(new StorageHolder(uri, options));
        bind(Storage.class).toProvider(StorageHolder.class); // the holder opens one storage and refuses after shutdown
        for (String namespace : namespaces) {
            Provider<Storage> storage = getProvider(Storage.class);
            bind(Datastore.class).annotatedWith(Names.named(namespace)).toProvider(() -> storage.get()
                    .datastore(namespace));
        }
    }

    /** Closes the storage of {@code injector}'s {@code DatastoreModule}, if it was opened. Idempotent. */
    public static void shutdown(Injector injector) {
        injector.getInstance(Key.get(StorageHolder.class)).close();
    }
}
