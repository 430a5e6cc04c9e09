package io.github.datastore4j.cli;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.internal.StorageOpener;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Locations;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens stores for the commands that move records without an engine (export, import, verify, migrate's report), the
 * way {@code Transfer} does: revisions, schema versions, metadata and checksums pass as stored, nothing is loaded into
 * memory as a whole, and damaged records are seen rather than refused at open. Discovery, URI parsing and messages are
 * the library's own ({@code StorageOpener}), so a URI means here what it means to {@code Storage.open}.
 */
final class Stores {
    private Stores() {}

    /** The backend of {@code uri}, without an engine. */
    static Backend openBackend(String uri) {
        return StorageOpener.openBackend(uri, StorageOptions.defaults());
    }

    /** The result of a backend's future; its failure as a library exception naming {@code what} was done. */
    static <T> T join(CompletableFuture<T> future, String what) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof DatastoreException datastore) {
                throw datastore;
            }
            throw new BackendException("cannot " + what + ": " + cause, cause);
        }
    }

    /** How many entries a scan of {@code namespace} passes, damaged ones included: a progress display's total. */
    static long count(Backend backend, String namespace) {
        AtomicLong total = new AtomicLong();
        join(
                backend.scan(namespace, record -> total.incrementAndGet(), damaged -> total.incrementAndGet()),
                "count namespace '" + namespace + "'");
        return total.get();
    }

    /**
     * Fails unless {@code namespace} holds data in the store.
     *
     * @throws DatastoreException {@code NOT_FOUND} naming the namespaces there are
     */
    static void requireNamespace(Set<String> namespaces, String namespace, String uri) {
        if (!namespaces.contains(namespace)) {
            throw new DatastoreException(
                    ErrorCode.NOT_FOUND,
                    "namespace '" + namespace + "' does not exist in " + Locations.redact(uri)
                            + (namespaces.isEmpty() ? ", which holds no namespace" : "; it has " + namespaces));
        }
    }
}
