/** The {@code postgres:} backend: PostgreSQL over JDBC. */
module io.github.datastore4j.backend.postgres {
    requires io.github.datastore4j.api;
    requires java.sql;
    requires org.postgresql.jdbc;
    requires org.slf4j;

    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.backend.postgres.PostgresBackendProvider;
}
