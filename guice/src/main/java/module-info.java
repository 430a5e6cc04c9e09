/** Guice integration: {@link io.github.datastore4j.guice.DatastoreModule}. */
module io.github.datastore4j.guice {
    requires transitive io.github.datastore4j.api;
    requires transitive com.google.guice;
    // an automatic module never pulls a real one into the graph: Guice needs Guava and jakarta.inject named here
    requires com.google.common;
    requires transitive jakarta.inject;

    exports io.github.datastore4j.guice;

    opens io.github.datastore4j.guice to
            com.google.guice;
}
