package io.github.datastore4j.guice;

import com.google.inject.Provider;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;

/**
 * Opens the storage on first use and closes it on {@link DatastoreModule#shutdown} or, failing that, at JVM exit.
 * Thread-safe.
 */
final class StorageHolder implements Provider<Storage> {
    private final String uri;
    private final StorageOptions options;
    private Storage storage;
    private Thread shutdownHook;
    private boolean closed;

    StorageHolder(String uri, StorageOptions options) {
        this.uri = uri;
        this.options = options;
    }

    @Override
    public synchronized Storage get() {
        if (closed) {
            throw new IllegalStateException("the datastore4j storage " + uri + " of this injector was shut down");
        }
        if (storage == null) {
            storage = Storage.open(uri, options);
            Storage opened = storage;
            shutdownHook = new Thread(opened::close, "datastore4j-guice-shutdown " + uri);
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        return storage;
    }

    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (storage != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook closes it
            }
            storage.close();
        }
    }
}
