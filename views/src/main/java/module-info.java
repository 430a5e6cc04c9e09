/** CouchDB-style map/reduce views over any datastore4j backend, kept up to date from the change stream. */
module io.github.datastore4j.views {
    requires transitive io.github.datastore4j.api;
    requires org.slf4j;

    exports io.github.datastore4j.views;
}
