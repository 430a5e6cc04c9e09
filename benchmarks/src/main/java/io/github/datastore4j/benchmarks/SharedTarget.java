package io.github.datastore4j.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Where {@link SharedStores} runs: a shared backend, the way to make a fresh empty store of it, and the raw JDBC
 * baseline's tables beside it. A target is opened once per run in the parent; child JVMs get the URIs and {@link
 * RawStore}s it hands out as strings and need no target of their own.
 */
interface SharedTarget extends AutoCloseable {

    /** The target by its scheme: {@code postgres} (an embedded server) or {@code sqlite} (files in a temp folder). */
    static SharedTarget open(String scheme) throws Exception {
        return switch (scheme) {
            case "postgres" -> PostgresTarget.start();
            case "sqlite" -> SqliteTarget.create();
            default ->
                throw new IllegalArgumentException(
                        "unknown shared target '" + scheme + "': expected postgres or sqlite");
        };
    }

    /** The scheme, for the report. */
    String scheme();

    /** A few lines that say how the store is configured (server version, fsync, synchronous, …). */
    String describe() throws Exception;

    /** The {@code Storage.open} URI of a store no earlier measurement used. */
    String freshUri() throws Exception;

    /** The raw baseline's records and changes tables, created empty in a store no earlier measurement used. */
    RawStore freshRawStore() throws Exception;

    /** The writer thread counts of one process that the write measurement compares. */
    int[] writerCounts();

    /** A statement the engine's commits also run (PostgreSQL's {@code NOTIFY}), to measure a raw variant with it. */
    Optional<String> hintStatement();

    @Override
    void close() throws Exception;

    /**
     * A raw store as strings, so that a child JVM can open it: a JDBC URL whose parameters configure each connection
     * as the target wants (durable commits), the prefix of its table names, and the statement that begins a write
     * transaction ({@code BEGIN IMMEDIATE} on SQLite, so that it takes the write lock at once; empty where JDBC's
     * {@code setAutoCommit(false)} does: sqlite-jdbc begins the next transaction as soon as one commits, so a
     * connection in that mode would hold SQLite's write lock between its writes).
     */
    record RawStore(String jdbcUrl, String tablePrefix, String begin) {
        Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl);
        }

        String records() {
            return tablePrefix + "records";
        }

        String changes() {
            return tablePrefix + "changes";
        }

        /** As one argument of a child's command line. */
        String encode() {
            return String.join("\t", tablePrefix, begin, jdbcUrl);
        }

        static RawStore decode(String encoded) {
            String[] parts = encoded.split("\t", 3);
            return new RawStore(parts[2], parts[0], parts[1]);
        }
    }
}
