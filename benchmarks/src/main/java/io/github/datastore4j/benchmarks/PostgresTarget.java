package io.github.datastore4j.benchmarks;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded PostgreSQL 17 (zonky) with {@code fsync} and {@code synchronous_commit} on; a schema per store. */
final class PostgresTarget implements SharedTarget {
    private final EmbeddedPostgres server;
    private final String jdbcUrl;
    private final AtomicInteger schemas = new AtomicInteger();

    private PostgresTarget(EmbeddedPostgres server) {
        this.server = server;
        this.jdbcUrl = server.getJdbcUrl("postgres", "postgres");
    }

    static PostgresTarget start() throws Exception {
        return new PostgresTarget(EmbeddedPostgres.builder()
                .setLocaleConfig("locale", "C.UTF-8")
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "300")
                .start());
    }

    @Override
    public String scheme() {
        return "postgres";
    }

    @Override
    public String describe() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT version(), current_setting('fsync'),"
                        + " current_setting('synchronous_commit'), current_setting('wal_sync_method'),"
                        + " current_setting('shared_buffers')")) {
            r.next();
            return String.format(
                    "server: %s%nfsync=%s synchronous_commit=%s wal_sync_method=%s shared_buffers=%s",
                    r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5));
        }
    }

    @Override
    public String freshUri() {
        return "postgres:" + jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "schema=" + freshSchema();
    }

    @Override
    public RawStore freshRawStore() throws Exception {
        String schema = freshSchema();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".records (ns varchar(128) NOT NULL, k bytea NOT NULL,"
                    + " rev bigint NOT NULL, value bytea NOT NULL, PRIMARY KEY (ns, k))");
            s.execute("CREATE TABLE " + schema + ".changes (position bigserial PRIMARY KEY, ns varchar(128) NOT NULL,"
                    + " k bytea NOT NULL, rev bigint, value bytea)");
        }
        return new RawStore(jdbcUrl, schema + ".", "");
    }

    @Override
    public int[] writerCounts() {
        return new int[] {1, 64};
    }

    /** PostgreSQL serialises the commits of notifying transactions; the engine's batch notifies. */
    @Override
    public Optional<String> hintStatement() {
        return Optional.of("SELECT pg_notify('bench', '')");
    }

    private String freshSchema() {
        return "bench_" + ProcessHandle.current().pid() + "_" + schemas.incrementAndGet();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
