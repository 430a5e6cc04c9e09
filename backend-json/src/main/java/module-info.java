/** The {@code json:} backend: one readable JSON file per document, a folder per namespace. */
module io.github.datastore4j.backend.json {
    requires io.github.datastore4j.api;
    requires org.slf4j;

    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.backend.json.JsonBackendProvider;
}
