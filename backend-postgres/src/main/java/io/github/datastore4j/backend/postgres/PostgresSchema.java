package io.github.datastore4j.backend.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables in one schema, and their version.
 *
 * <ul>
 *   <li>{@code datastore4j_schema_version (version)}: one row per applied version; a later release reads the highest
 *       and upgrades from there, and this one refuses a store written by a newer one;
 *   <li>{@code datastore4j_records (ns, k, rev, schema_version, checksum, value, metadata)} keyed by {@code (ns, k)};
 *       keys are stored as their UTF-8 bytes ({@code bytea}): PostgreSQL text cannot hold NUL, which a key may, and
 *       byte order is the same on every server, whatever its collation;
 *   <li>{@code datastore4j_quarantine}: damaged records moved aside, with the problem and when;
 *   <li>{@code datastore4j_changes}, indexed by position and by {@code (ns, position)}, and the functions {@code
 *       datastore4j_take_positions} and {@code datastore4j_check_order}: the change feed (see {@link ChangeFeed}
 *       and {@link ConditionalWriter});
 *   <li>{@code datastore4j_leases}: leases and their fencing tokens (see {@link Leases});
 *   <li>from version 2, {@code datastore4j_feed_trimmed} and {@code datastore4j_feed_sweep}, and the changes'
 *       {@code committed_at}: the trimmed feed (see {@link FeedSweep});
 *   <li>from version 3, the function {@code datastore4j_begin_batch}: a batch locks its keys' buckets before it takes
 *       its positions (see {@link ConditionalWriter}).
 * </ul>
 *
 * <p><b>Upgrades.</b> Each version's changes are a step of their own, run in order from the version found, all in
 * the transaction that holds the lock below; a store of a newer version than this release knows is refused.
 *
 * <p><b>Concurrency contract.</b> {@link #create} may run in many processes at once on one schema: it takes a
 * transaction-level advisory lock on the schema's name before any DDL, so one creates and the others wait, then see
 * the tables and the version row. ({@code CREATE TABLE IF NOT EXISTS} alone is not enough: two sessions creating the
 * same table at once fail on the catalog's unique index.)
 */
final class PostgresSchema {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresSchema.class);
    /** The version these tables are at. */
    static final int VERSION = 3;
    /** The buckets a batch's keys are locked by ({@code datastore4j_begin_batch}); see {@link ConditionalWriter}. */
    static final int KEY_BUCKETS = 1024;

    private PostgresSchema() {}

    /** {@code "schema".table}; the schema name is plain by {@link PostgresBackendProvider}'s rule. */
    static String table(String schema, String table) {
        return '"' + schema + "\"." + table;
    }

    /** Creates what is missing and upgrades older tables, version by version, in one transaction, and commits. */
    static void create(Connection connection, String schema) throws SQLException {
        String s = '"' + schema + '"';
        try (PreparedStatement lock =
                connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            lock.setString(1, "datastore4j.ddl:" + schema);
            lock.execute();
        }
        try (Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE SCHEMA IF NOT EXISTS " + s);
            ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_schema_version (version int PRIMARY KEY,"
                    + " applied_at timestamptz NOT NULL DEFAULT now())");
            int found = 0;
            try (ResultSet rows =
                    ddl.executeQuery("SELECT coalesce(max(version), 0) FROM " + s + ".datastore4j_schema_version")) {
                rows.next();
                found = rows.getInt(1);
            }
            if (found > VERSION) {
                throw new SQLException("schema " + schema + " holds a store of version " + found
                        + ", written by a newer datastore4j; this release reads up to version " + VERSION);
            }
            if (found == VERSION) {
                connection.commit();
                return;
            }
            if (found < 1) {
                createVersion1(ddl, s, schema);
            }
            if (found < 2) {
                upgradeToVersion2(ddl, s);
            }
            if (found < 3) {
                upgradeToVersion3(ddl, s, schema);
            }
            ddl.execute("INSERT INTO " + s + ".datastore4j_schema_version (version) SELECT v FROM generate_series("
                    + (found + 1) + ", " + VERSION + ") v ON CONFLICT DO NOTHING");
            connection.commit();
            if (found == 0) {
                LOG.debug("created the datastore4j tables, version {}, in schema {}", VERSION, schema);
            } else {
                LOG.info("upgraded the datastore4j tables in schema {} from version {} to {}", schema, found, VERSION);
            }
        }
    }

    /** The first release's tables: records, quarantine, the change feed and its functions, leases. */
    private static void createVersion1(Statement ddl, String s, String schema) throws SQLException {
        String record = "ns varchar(128) NOT NULL, k bytea NOT NULL, rev bigint NOT NULL,"
                + " schema_version int NOT NULL, checksum bigint NOT NULL, value bytea NOT NULL, metadata bytea";
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_records (" + record + ", PRIMARY KEY (ns, k))");
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_quarantine (" + record
                + ", problem text NOT NULL, quarantined_at timestamptz NOT NULL DEFAULT now())");
        ddl.execute("CREATE SEQUENCE IF NOT EXISTS " + s + ".datastore4j_change_position");
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_changes (position bigint PRIMARY KEY,"
                + " xid xid8 NOT NULL, ns varchar(128) NOT NULL, k bytea NOT NULL, rev bigint,"
                + " schema_version int, checksum bigint, value bytea, metadata bytea)");
        // a namespace's feed (ChangeFeed) and the positions a snapshot includes read one namespace in order
        ddl.execute("CREATE INDEX IF NOT EXISTS datastore4j_changes_ns_position ON " + s
                + ".datastore4j_changes (ns, position)");
        String feedLock = "hashtextextended('datastore4j.feed:" + schema + "', 0)";
        // the short critical section of ChangeFeed: a transaction's xid and its positions, taken together
        ddl.execute("CREATE OR REPLACE FUNCTION " + s + ".datastore4j_take_positions(n int) RETURNS bigint"
                + " LANGUAGE plpgsql AS $$ DECLARE last bigint; BEGIN PERFORM pg_advisory_lock(" + feedLock + ");"
                + " BEGIN PERFORM pg_current_xact_id(); SELECT max(nextval('" + s
                + ".datastore4j_change_position')) INTO last FROM generate_series(1, n);"
                + " EXCEPTION WHEN OTHERS THEN PERFORM pg_advisory_unlock(" + feedLock + "); RAISE; END;"
                + " PERFORM pg_advisory_unlock(" + feedLock + "); RETURN last; END $$");
        // ConditionalWriter's order check: VOLATILE, so its query sees what committed after its statement began
        ddl.execute("CREATE OR REPLACE FUNCTION " + s + ".datastore4j_check_order(namespaces varchar[],"
                + " written bytea[], at bigint[]) RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN"
                + " IF EXISTS (SELECT 1 FROM unnest(namespaces, written, at) AS w(ns, k, position) JOIN " + s
                + ".datastore4j_changes c ON c.ns = w.ns AND c.k = w.k AND c.position > w.position) THEN"
                + " RAISE EXCEPTION 'a write of a key of this batch with a later position committed first'"
                + " USING ERRCODE = '" + ConditionalWriter.OUT_OF_ORDER + "'; END IF; RETURN 0; END $$");
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_leases (ns varchar(128) NOT NULL,"
                + " k bytea NOT NULL, holder text NOT NULL, token bigint NOT NULL, expires_at timestamptz NOT NULL,"
                + " PRIMARY KEY (ns, k))");
    }

    /**
     * Version 2, the trimmed feed ({@link FeedSweep}): when each change committed; an index of a key's changes (the
     * sweep drops a key's older changes); an index of the writing transactions (the feed's head reads the few rows of
     * transactions that may still be running instead of every row); the position below which each namespace's feed
     * dropped a delete; and the sweep's cursors, shared by every process.
     */
    private static void upgradeToVersion2(Statement ddl, String s) throws SQLException {
        // now() is stable: existing rows take the upgrade's time without a rewrite of the table
        ddl.execute("ALTER TABLE " + s + ".datastore4j_changes ADD COLUMN IF NOT EXISTS committed_at timestamptz"
                + " NOT NULL DEFAULT now()");
        ddl.execute("CREATE INDEX IF NOT EXISTS datastore4j_changes_key ON " + s
                + ".datastore4j_changes (ns, k, position)");
        ddl.execute("CREATE INDEX IF NOT EXISTS datastore4j_changes_xid ON " + s + ".datastore4j_changes (xid)");
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_feed_trimmed (ns varchar(128) PRIMARY KEY,"
                + " below bigint NOT NULL)");
        ddl.execute("CREATE TABLE IF NOT EXISTS " + s + ".datastore4j_feed_sweep (name text PRIMARY KEY,"
                + " position bigint NOT NULL)");
    }

    /**
     * Version 3: {@code datastore4j_begin_batch(n, feed, namespaces, keys)}, the first thing every batch does. It takes
     * a transaction-level advisory lock per bucket of its keys ({@link #KEY_BUCKETS} per schema, in bucket order, so
     * two batches never wait for each other in a cycle), then, for a feed, its xid and positions. A write of a key
     * therefore takes its positions only once every earlier write of that key has ended, and no later position of
     * the key can commit before it. The locks are per bucket, not per key, so that a batch of any size holds at most
     * {@link #KEY_BUCKETS} of the server's shared lock table ({@code max_locks_per_transaction} times the
     * connections); unrelated keys that share a bucket only wait for each other's commit.
     */
    private static void upgradeToVersion3(Statement ddl, String s, String schema) throws SQLException {
        // the two-int4 form: a lock space of its own, apart from the bigint locks of the feed and of the DDL
        String space = "hashtext('datastore4j.keys:" + schema + "')";
        ddl.execute("CREATE OR REPLACE FUNCTION " + s + ".datastore4j_begin_batch(n int, feed boolean,"
                + " namespaces varchar[], written bytea[]) RETURNS bigint LANGUAGE plpgsql AS $$"
                + " DECLARE bucket int; BEGIN"
                + " FOR bucket IN SELECT DISTINCT (hashtextextended(w.ns || ':' || encode(w.k, 'hex'), 0) & "
                + (KEY_BUCKETS - 1) + ")::int FROM unnest(namespaces, written) AS w(ns, k) ORDER BY 1 LOOP"
                + " PERFORM pg_advisory_xact_lock(" + space + ", bucket); END LOOP;"
                + " IF feed THEN RETURN " + s + ".datastore4j_take_positions(n); END IF; RETURN 0; END $$");
    }
}
