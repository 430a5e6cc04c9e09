package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.testkit.SharedStoreKit;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Applications in child JVMs sharing one {@code postgres:} store, each test on a fresh schema. */
class PostgresSharedStoreTest extends SharedStoreKit {
    @Override
    protected String storageUri() {
        return TestPostgres.uri(TestPostgres.freshSchema());
    }

    /** Ends every datastore4j session of the server (this JVM's and the children's), as a server restart would. */
    @Override
    protected void dropConnections() throws Exception {
        try (Connection admin = TestPostgres.admin();
                Statement kill = admin.createStatement();
                ResultSet rows = kill.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE application_name LIKE '" + PostgresConnections.APPLICATION_NAME + "%'"
                        + " AND pid <> pg_backend_pid()")) {
            rows.next();
        }
    }
}
