package io.github.datastore4j.api;

/**
 * When a change reaches the backend. Chosen per {@link Storage} with {@link StorageOptions.Builder#durability} or
 * the URI setting {@code ?durability=sync|interval|none}.
 */
public enum Durability {
    /**
     * A write returns only after the backend committed it. Concurrent writers share commits (group commit). The
     * default for persistent backends.
     */
    SYNC,
    /**
     * Changes are saved every {@link StorageOptions#autosaveInterval()}, on {@link Datastore#save()} and on close. A
     * crash loses at most the changes of the last interval.
     */
    INTERVAL,
    /** Changes stay in memory; only {@link Datastore#save()} writes them. The default for non-persistent backends. */
    NONE
}
