package io.github.datastore4j.api.spi;

/**
 * What a backend promises. The engine and the testkit read these; a backend states only what it really does.
 *
 * @param persistent data survives {@link Backend#close()} and a new {@link Backend} over the same location sees it
 * @param atomicBatch a {@link Backend#write} batch is applied all or nothing
 * @param durableOnCommit a completed {@link Backend#write} survives a process crash (it was forced to stable storage)
 * @param orderedScan {@link Backend#scan} yields records in key order
 * @param multiProcessSafe several processes may open the same location at once without corrupting it
 * @param shared the backend is a {@link SharedBackend}: each process's engine writes conditionally and follows its
 *     change feed, so every operation keeps its meaning across processes; implies {@code multiProcessSafe}
 */
public record BackendCapabilities(
        boolean persistent,
        boolean atomicBatch,
        boolean durableOnCommit,
        boolean orderedScan,
        boolean multiProcessSafe,
        boolean shared) {

    public BackendCapabilities {
        if (shared && !multiProcessSafe) {
            throw new IllegalArgumentException("a shared backend is multi-process safe");
        }
    }

    /** Capabilities of a backend that is not {@linkplain #shared() shared}. */
    public BackendCapabilities(
            boolean persistent,
            boolean atomicBatch,
            boolean durableOnCommit,
            boolean orderedScan,
            boolean multiProcessSafe) {
        this(persistent, atomicBatch, durableOnCommit, orderedScan, multiProcessSafe, false);
    }

    /** A backend that keeps data in this process's memory only. */
    public static BackendCapabilities inMemory() {
        return new BackendCapabilities(false, true, false, true, false);
    }
}
