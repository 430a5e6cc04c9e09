package io.github.datastore4j.backend.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import io.github.datastore4j.testkit.ExclusiveAccessKit;
import io.github.datastore4j.testkit.StoreHolder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One storage per schema: the kit's file-store contract with the schema as the store (its name is what {@code
 * LOCKED} names; there is no file, so the kit's descriptor check finds none), and what only a server lock has to
 * prove: a holder killed with SIGKILL leaves nothing held.
 */
class PostgresExclusiveAccessTest extends ExclusiveAccessKit {
    @Override
    protected String storageUri(Path directory) {
        return TestPostgres.uri(TestPostgres.schemaOf(directory));
    }

    /** The schema, which the message names ("schema t…_7"). */
    @Override
    protected Path location(Path directory) {
        return Path.of(TestPostgres.schemaOf(directory));
    }

    @Override
    protected boolean namesHolderPid() {
        return true;
    }

    @Test
    @DisplayName("a holder killed with SIGKILL releases the store: the server ends its session and its lock")
    void killedHolderReleasesTheStore() throws Exception {
        String schema = TestPostgres.schemaOf(directory);
        String uri = storageUri(directory);
        Process holder =
                ChildJvm.of(StoreHolder.class, uri).redirectErrorStream(true).start();
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        for (String line; !"held".equals(line = lines.readLine()); ) {
            assertThat(line).as("the holder exited before holding the store").isNotNull();
        }
        assertThatThrownBy(() -> Storage.open(uri))
                .isInstanceOf(LockedException.class)
                .hasMessageContaining("pid " + holder.pid());
        holder.toHandle().destroyForcibly(); // SIGKILL: no close, no shutdown hook
        assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
        try (Connection admin = TestPostgres.admin()) {
            // waits, on the server's own lock, until the server has ended the dead holder's session
            try (Statement statement = admin.createStatement()) {
                statement.execute("SET lock_timeout = '60s'");
            }
            try (PreparedStatement lock = admin.prepareStatement(
                    "SELECT pg_advisory_lock(hashtextextended(?, 0)), pg_advisory_unlock(hashtextextended(?, 0))")) {
                lock.setString(1, "datastore4j.store:" + schema);
                lock.setString(2, "datastore4j.store:" + schema);
                lock.execute();
            }
        }
        try (Storage mine = Storage.open(uri)) {
            assertThat(mine.datastore("ns").get("k")).isEmpty();
        }
    }
}
