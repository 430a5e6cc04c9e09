/** The {@code mapdb:} backend: a MapDB file store with transactions (write-ahead log), one map per namespace. */
module io.github.datastore4j.backend.mapdb {
    requires io.github.datastore4j.api;
    requires mapdb;
    requires org.slf4j;
    // automatic modules never pull real ones into the graph: MapDB needs these named here
    requires kotlin.stdlib;
    requires com.google.common;
    // without it MapDB silently never unmaps memory-mapped files
    requires jdk.unsupported;

    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.backend.mapdb.MapDbBackendProvider;
}
