/**
 * The datastore4j API: what application code imports, and the SPI that engines and backends implement.
 *
 * <p>User code compiles against this module alone; {@link io.github.datastore4j.api.Storage#open(String)}
 * finds the engine and the backend for a URI with {@link java.util.ServiceLoader}.
 */
module io.github.datastore4j.api {
    requires transitive tools.jackson.databind;
    requires org.slf4j;

    exports io.github.datastore4j.api;
    exports io.github.datastore4j.api.spi;

    uses io.github.datastore4j.api.spi.EngineProvider;
    uses io.github.datastore4j.api.spi.BackendProvider;
}
