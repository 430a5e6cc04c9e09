/**
 * The datastore4j engine: in-memory index, per-key queues, revisions, waits and the persistence pipeline, plus the
 * {@code memory:} backend. It exports nothing; {@code Storage.open} finds it through its services.
 */
module io.github.datastore4j.engine {
    requires transitive io.github.datastore4j.api;
    requires org.slf4j;

    provides io.github.datastore4j.api.spi.EngineProvider with
            io.github.datastore4j.engine.MemoryEngineProvider;
    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.engine.MemoryBackendProvider;
}
