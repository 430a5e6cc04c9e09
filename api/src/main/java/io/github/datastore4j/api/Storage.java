package io.github.datastore4j.api;

import io.github.datastore4j.api.internal.StorageOpener;
import java.util.List;
import java.util.Set;

/**
 * The entry point: a set of namespaces kept by one backend, opened from a URI.
 *
 * <pre>{@code
 * try (Storage storage = Storage.open("json:./data?durability=sync")) {
 *     Datastore users = storage.datastore("users");
 *     users.set("alice", Map.of("email", "alice@example.com"));
 * }
 * }</pre>
 *
 * <p>The URI is {@code scheme:location[?setting=value&…]}. The scheme picks the backend ({@code memory:},
 * {@code json:./data}, {@code h2:./db/app}, {@code mapdb:./db/app.mapdb}); the backend and the engine are found with
 * {@link java.util.ServiceLoader} on the module path or the class path, so swapping a backend is swapping a
 * dependency and a URI. To force one of two providers of a scheme, set the system property
 * {@code datastore4j.backend.<scheme>} to its class name.
 *
 * <p>Thread-safe. {@link #close()} saves what durability requires, closes the backend and fails later calls with
 * {@link ErrorCode#CLOSED}; it is idempotent.
 */
public interface Storage extends AutoCloseable {

    /**
     * Opens the storage at {@code uri} with default options.
     *
     * @throws ProviderNotFoundException if no engine, or no backend for the scheme, is found; the message lists the
     *     schemes found and any provider that failed to load
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION} for a malformed URI or unknown setting
     */
    static Storage open(String uri) {
        return StorageOpener.open(uri, StorageOptions.defaults());
    }

    /** Opens the storage at {@code uri}; settings in {@code options} win over those in the URI. */
    static Storage open(String uri, StorageOptions options) {
        return StorageOpener.open(uri, options);
    }

    /** The URI schemes whose backends are on the path, sorted. */
    static Set<String> availableSchemes() {
        return StorageOpener.availableSchemes();
    }

    /**
     * The datastore of {@code namespace}, loading it from the backend on first use. The same name always returns
     * the same instance while this storage is open.
     *
     * @throws InvalidKeyException if the name breaks {@link io.github.datastore4j.api.spi.Names}' rules
     * @throws CorruptDataException if a stored record fails its checksum or cannot be read, unless the storage was
     *     opened with {@code onCorrupt=quarantine}, which moves such records aside and reports them in
     *     {@link #quarantined()}
     */
    Datastore datastore(String namespace);

    /**
     * The datastore of {@code namespace} under {@code schema}: on first use every record older than the schema is
     * migrated, step by step from its own version, and its revision goes up by one; the migrated records are saved
     * as the durability mode saves any change (with {@code sync}, before this returns). Every write then records
     * the schema's version, and {@code update} of a missing key starts from the schema's template.
     *
     * @throws MigrationException if a step throws or returns nothing, or a record is newer than the schema; nothing
     *     of the namespace is opened and the stored record is unchanged
     * @throws IllegalStateException if the namespace is already open here with another schema, or without one
     */
    Datastore datastore(String namespace, Schema schema);

    /**
     * Migrates every record of {@code namespace} to {@code schema}'s version and commits them in batches whatever
     * the durability mode, reporting progress after each batch; then returns the namespace open under the schema.
     * Resumable: after a crash, run it again — records already migrated carry the new version and are not migrated
     * twice.
     *
     * @throws MigrationException as {@link #datastore(String, Schema)}; batches committed before the failure stay
     */
    Datastore migrate(String namespace, Schema schema, MigrationProgress progress);

    /** The namespaces that exist: those holding data in the backend and those opened here. */
    Set<String> namespaces();

    /** The URI this storage was opened with, credentials replaced by {@code ***} (as every message shows it). */
    String uri();

    /** The durability mode in force. */
    Durability durability();

    /**
     * The damaged records moved aside so far by loads with {@code onCorrupt=quarantine}, oldest first; empty
     * otherwise. Each is also logged as a warning.
     */
    List<QuarantinedRecord> quarantined();

    /**
     * What this storage has done since it opened — operations by kind and outcome with their time, waits, commits,
     * conflicts, memory — as a snapshot of counters that are always kept (a few nanoseconds per operation). Safe to
     * call from any thread at any time, also after close (the counts then stay as they were).
     */
    StorageStatistics statistics();

    /**
     * Saves every namespace's unsaved changes and waits for the backend to commit them, and everything queued before
     * them: the flush. Not held back by {@code writesPerSecond}.
     *
     * @throws BackendException if the commit failed after its retries; the changes stay unsaved
     */
    void save();

    /**
     * Waits until every change handed to the backend before this call — sync writes of async calls, auto-saves — is
     * committed or has failed. Saves nothing new: in {@code interval} mode unsaved changes stay unsaved (use
     * {@link #save()}).
     */
    void awaitIdle();

    @Override
    void close();
}
