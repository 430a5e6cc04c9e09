package io.github.datastore4j.backend.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.Driver;

/**
 * The PostgreSQL server of this test JVM: the one at {@code DATASTORE4J_TEST_POSTGRES_URL} (a JDBC URL with
 * credentials) when that is set, else one embedded server (zonky, PostgreSQL 17), started on first use and stopped by
 * a shutdown hook. Each test gets a fresh schema of its own, so tests never see each other's data.
 *
 * <p>The embedded server runs with {@code fsync = on} (zonky's default is off), so the durability the backend reports
 * is real. As root, zonky 2.2.2 runs {@code initdb} and {@code postgres} inside {@code unshare -U} (a user namespace
 * where it is not root), which PostgreSQL accepts: no extra user and no Docker needed.
 */
final class TestPostgres {
    static final String URL_VARIABLE = "DATASTORE4J_TEST_POSTGRES_URL";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static final Map<Path, String> SCHEMA_OF_DIRECTORY = new ConcurrentHashMap<>();
    private static final String RUN = Long.toString(ProcessHandle.current().pid(), 36);
    private static String jdbcUrl;

    private TestPostgres() {}

    /** A JDBC URL of the server, with its credentials. */
    static synchronized String jdbcUrl() {
        if (jdbcUrl == null) {
            String external = System.getenv(URL_VARIABLE);
            jdbcUrl = external != null && !external.isBlank() ? external : startEmbedded();
        }
        return jdbcUrl;
    }

    private static String startEmbedded() {
        long started = System.nanoTime();
        try {
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setLocaleConfig("locale", "C.UTF-8")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "300")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException e) {
                    System.err.println("stopping the embedded PostgreSQL failed: " + e);
                }
            }));
            System.out.printf(
                    "embedded PostgreSQL started in %d ms on port %d%n",
                    (System.nanoTime() - started) / 1_000_000, server.getPort());
            return server.getJdbcUrl("postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    /** A schema no other test uses. */
    static String freshSchema() {
        return "t" + RUN + "_" + SCHEMAS.incrementAndGet();
    }

    /** The schema of the test whose directory is {@code directory}: the same each time it is asked. */
    static String schemaOf(Path directory) {
        return SCHEMA_OF_DIRECTORY.computeIfAbsent(directory, d -> freshSchema());
    }

    /** A {@code postgres:} storage URI of {@code schema}. */
    static String uri(String schema) {
        String url = jdbcUrl();
        return "postgres:" + url + (url.contains("?") ? "&" : "?") + "schema=" + schema;
    }

    /** The target of {@code schema}, as the provider would make it from {@link #uri}. */
    static PostgresTarget target(String schema) {
        String url = jdbcUrl();
        int query = url.indexOf('?');
        io.github.datastore4j.api.StorageOptions options = io.github.datastore4j.api.StorageOptions.fromQuery(
                (query < 0 ? "" : url.substring(query + 1) + "&") + "schema=" + schema);
        return new PostgresBackendProvider().target(query < 0 ? url : url.substring(0, query), options);
    }

    /** A connection of the test's own (auto-commit on), for looking at and interfering with the server. */
    static Connection admin() throws SQLException {
        PostgresTarget target = target("public");
        Properties properties = target.properties("datastore4j-test-admin");
        return new Driver().connect(target.jdbcUrl(), properties);
    }
}
