/** The {@code h2:} backend: H2 embedded (or an H2 server) over JDBC. */
module io.github.datastore4j.backend.h2 {
    requires io.github.datastore4j.api;
    requires java.sql;
    requires com.h2database;
    requires org.slf4j;

    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.backend.h2.H2BackendProvider;
}
