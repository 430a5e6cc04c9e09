/** The {@code sqlite:} backend: one SQLite file in WAL mode, shared by the processes of one machine. */
module io.github.datastore4j.backend.sqlite {
    requires io.github.datastore4j.api;
    requires java.sql;
    requires org.xerial.sqlitejdbc;
    requires org.slf4j;

    provides io.github.datastore4j.api.spi.BackendProvider with
            io.github.datastore4j.backend.sqlite.SqliteBackendProvider;
}
