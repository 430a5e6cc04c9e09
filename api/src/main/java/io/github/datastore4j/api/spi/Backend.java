package io.github.datastore4j.api.spi;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where records live. A backend only stores and returns {@link Record}s; atomic operations, revisions, waits and
 * views live in the engine, so a backend is small. Prove one with the testkit's {@code BackendCompatibilityKit}.
 *
 * <p><b>Concurrency contract.</b> The engine calls {@link #write} from one thread at a time and never
 * concurrently with itself; {@link #read}, {@link #scan} and {@link #namespaces} may be called from any thread,
 * concurrently with each other and with a write, and must see either the state before or after a batch (for an
 * {@link BackendCapabilities#atomicBatch() atomic} backend) or before or after each mutation. Each method may
 * complete its future on the calling thread or on a thread of its own; a failure completes the future
 * exceptionally, with the backend's own exception as the cause.
 *
 * <p>Names reaching a backend are valid by {@link Names}: a backend must store any valid key — including
 * {@code ../x}, {@code CON} or a key with {@code /} — without it escaping its storage or colliding with another key.
 */
public interface Backend extends AutoCloseable {

    /** What this backend promises. */
    BackendCapabilities capabilities();

    /** The record stored under {@code key} in {@code namespace}, if any. */
    CompletableFuture<Optional<Record>> read(String namespace, String key);

    /**
     * Applies {@code batch} in order: later mutations of a key win over earlier ones. All or nothing if
     * {@link BackendCapabilities#atomicBatch()}; forced to stable storage before the future completes if
     * {@link BackendCapabilities#durableOnCommit()}.
     */
    CompletableFuture<Void> write(List<Mutation> batch);

    /**
     * Passes every record of {@code namespace} to {@code sink}, in key order if {@link BackendCapabilities#orderedScan()};
     * completes when all were passed. A record is passed as stored, even if its checksum fails: the engine decides.
     */
    CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink);

    /**
     * Like {@link #scan(String, Consumer)}, but an entry that cannot be read as a record is passed to {@code damaged}
     * and the scan goes on. The default delegates to {@code scan}, which fails on such an entry.
     */
    default CompletableFuture<Void> scan(
            String namespace, Consumer<? super Record> sink, Consumer<? super Damaged> damaged) {
        return scan(namespace, sink);
    }

    /**
     * Moves a damaged entry aside, where no scan or read sees it, without deleting it; completes with where it went.
     * Called from the same single thread as {@link #write}. The default cannot, and fails with
     * {@link UnsupportedOperationException}, so a storage asked to quarantine fails its open instead.
     */
    default CompletableFuture<String> quarantine(Damaged entry) {
        return CompletableFuture.failedFuture(
                new UnsupportedOperationException(getClass().getName() + " cannot quarantine " + entry.describe()));
    }

    /** The namespaces that hold at least one record. */
    CompletableFuture<Set<String>> namespaces();

    /** Releases files, connections and locks. Idempotent. Calls after close fail. */
    @Override
    void close();
}
