/** Micrometer integration: {@link io.github.datastore4j.micrometer.DatastoreMetrics}. */
module io.github.datastore4j.micrometer {
    requires transitive io.github.datastore4j.api;
    requires transitive micrometer.core;

    exports io.github.datastore4j.micrometer;
}
