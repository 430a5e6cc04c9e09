package io.github.datastore4j.backend.h2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class H2BackendTest {
    @TempDir
    Path temp;

    private String uri() {
        return "h2:" + temp.resolve("db");
    }

    @Test
    @DisplayName("h2:mem: is an in-memory database that is not persistent, so the default durability is none")
    void inMemory() {
        try (Storage storage = Storage.open("h2:mem:inmemory-test")) {
            assertThat(storage.durability()).isEqualTo(Durability.NONE);
            storage.datastore("ns").set("k", 1);
            storage.save();
        }
        try (Storage storage = Storage.open("h2:mem:inmemory-test")) {
            assertThat(storage.datastore("ns").get("k")).isEmpty();
        }
    }

    @Test
    @DisplayName("a database written before metadata existed gains the META column on open and keeps its rows")
    void upgradesTablesWithoutMetadata() throws Exception {
        byte[] value = "{\"hp\":10}".getBytes(StandardCharsets.UTF_8);
        try (Connection connection =
                        new org.h2.Driver().connect("jdbc:h2:" + temp.resolve("db"), new java.util.Properties());
                java.sql.Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE DATASTORE4J_RECORDS (NS VARCHAR(128) NOT NULL, K VARCHAR(1024) NOT NULL,"
                    + " REV BIGINT NOT NULL, SCHEMA_VERSION INT NOT NULL, CHECKSUM BIGINT NOT NULL,"
                    + " VAL VARBINARY NOT NULL, PRIMARY KEY (NS, K))");
            try (PreparedStatement insert =
                    connection.prepareStatement("INSERT INTO DATASTORE4J_RECORDS VALUES ('ns', 'old', 4, 0, ?, ?)")) {
                insert.setLong(1, io.github.datastore4j.api.spi.Record.legacyChecksumOf(value, new byte[0]));
                insert.setBytes(2, value);
                insert.executeUpdate();
            }
        }
        try (Storage storage = Storage.open(uri())) {
            Datastore store = storage.datastore("ns");
            assertThat(store.getDocument("old").orElseThrow().rev()).isEqualTo(4);
            store.setMetadata("old", java.util.Map.of("owner", "ann"));
        }
        try (Storage storage = Storage.open(uri())) {
            assertThat(storage.datastore("ns")
                            .getMetadata("old")
                            .orElseThrow()
                            .get("owner")
                            .asString())
                    .isEqualTo("ann");
        }
    }

    @Test
    @DisplayName("a full H2 JDBC URL is accepted as given")
    void jdbcUrl() {
        try (Storage storage = Storage.open("h2:jdbc:h2:" + temp.resolve("viajdbc"))) {
            storage.datastore("ns").set("k", "v");
        }
        try (Storage storage = Storage.open("h2:jdbc:h2:" + temp.resolve("viajdbc"))) {
            assertThat(storage.datastore("ns").get("k", String.class)).contains("v");
        }
    }

    @Test
    @DisplayName("a value changed behind the engine's back fails the open with CORRUPT naming namespace and key")
    void corruptValue() throws Exception {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", "hello world");
        }
        try (Connection connection =
                new org.h2.Driver().connect("jdbc:h2:" + temp.resolve("db"), new java.util.Properties())) {
            try (PreparedStatement update =
                    connection.prepareStatement("UPDATE DATASTORE4J_RECORDS SET VAL = ? WHERE NS = 'ns' AND K = 'k'")) {
                update.setBytes(1, "\"hellO world\"".getBytes(StandardCharsets.UTF_8));
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
        }
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("'k'")
                    .hasMessageContaining("'ns'")
                    .hasMessageContaining("checksum");
            assertThat(storage.datastore("other").size()).isZero();
        }
        try (Storage storage = Storage.open(uri() + "?onCorrupt=quarantine")) {
            assertThat(storage.datastore("ns").get("k")).isEmpty();
            assertThat(storage.quarantined()).singleElement().satisfies(report -> assertThat(report.movedTo())
                    .contains("DATASTORE4J_QUARANTINE"));
        }
        try (Connection connection =
                        new org.h2.Driver().connect("jdbc:h2:" + temp.resolve("db"), new java.util.Properties());
                java.sql.ResultSet rows =
                        connection.createStatement().executeQuery("SELECT K, PROBLEM FROM DATASTORE4J_QUARANTINE")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("k");
            assertThat(rows.getString(2)).contains("checksum");
        }
    }

    @Test
    @DisplayName("h2: without a database is refused")
    void needsLocation() {
        assertThatThrownBy(() -> Storage.open("h2:"))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION));
    }

    @Test
    @DisplayName("a sync store runs no H2 background writer: write() itself writes a commit's chunk, then forces it")
    void noBackgroundWriter() {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", 1);
            // with one, CHECKPOINT SYNC does not wait for a chunk already handed to H2's writer threads
            assertThat(Thread.getAllStackTraces().keySet())
                    .extracting(Thread::getName)
                    .noneMatch(name -> name.startsWith("MVStore background writer") && name.contains(temp.toString()));
        }
    }

    /** H2ForeignFileTest covers {@code h2:<path>}; an embedded JDBC URL names the same file. */
    @Test
    @DisplayName("a zero-length database file behind a JDBC URL fails the open with CORRUPT naming it, untouched")
    void emptyFileIsCorrupt() throws Exception {
        Path file = temp.resolve("db.mv.db");
        Files.createFile(file);
        assertThatThrownBy(() -> Storage.open("h2:jdbc:h2:" + temp.resolve("db")))
                .isInstanceOfSatisfying(
                        CorruptDataException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT))
                .hasMessageContaining(file.toString());
        assertThat(Files.size(file)).isZero();
    }

    @Test
    @DisplayName("a foreign file where the store should be fails with CORRUPT instead of an empty store beside it")
    void foreignFileAtTheLocationIsCorrupt() throws Exception {
        Files.writeString(temp.resolve("db"), "not a database");
        assertThatThrownBy(() -> Storage.open(uri()))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(temp.resolve("db").toString());
        assertThat(temp.resolve("db.mv.db")).doesNotExist();
    }

    @ParameterizedTest(name = "through {0}")
    @ValueSource(strings = {"h2:", "h2:jdbc:h2:"})
    @DisplayName(
            "interval writes survive a JVM that returns from main without close(): the engine closes H2, not H2's hook")
    void intervalWritesSavedAtExit(String prefix) throws Exception {
        String uri = prefix + temp.resolve("db");
        ChildJvm.Result child = ChildJvm.run(
                io.github.datastore4j.testkit.ExitWithoutClose.class, uri + "?durability=interval&autosave=1h", "50");
        assertThat(child.output())
                .contains("written 50")
                .doesNotContain("already closed")
                .doesNotContain("failed");
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("exit");
            for (int i = 0; i < 50; i++) {
                assertThat(store.get("k" + i, Integer.class)).as("k" + i).contains(i);
            }
        }
    }

    @Test
    @DisplayName("DB_CLOSE_ON_EXIT=TRUE is refused: H2's hook would close the database before the final save")
    void closeOnExitRefused() {
        assertThatThrownBy(() -> Storage.open("h2:jdbc:h2:" + temp.resolve("db") + ";DB_CLOSE_ON_EXIT=TRUE"))
                .isInstanceOfSatisfying(
                        DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION))
                .hasMessageContaining("DB_CLOSE_ON_EXIT");
    }

    @Test
    @DisplayName("a password in a JDBC URL never appears in a message")
    void passwordRedacted() {
        assertThatThrownBy(() ->
                        Storage.open("h2:jdbc:h2:" + temp.resolve("db") + ";PASSWORD=hunter2;DB_CLOSE_ON_EXIT=TRUE"))
                .hasMessageNotContaining("hunter2")
                .hasMessageContaining("PASSWORD=***");
    }

    @Test
    @DisplayName("a failed open of an encrypted database shows neither its file password nor its user password")
    void encryptedDatabasePasswordsRedacted() {
        String url = "h2:jdbc:h2:" + temp.resolve("secret") + ";CIPHER=AES;USER=sa;PASSWORD=";
        try (Storage storage = Storage.open(url + "filePass1 userPass1")) {
            storage.datastore("ns").set("k", 1);
        }
        // H2's form for an encrypted file is PASSWORD=<file password> <user password>: the space is part of the value
        assertThatThrownBy(() -> Storage.open(url + "wrongFile2 wrongUser2"))
                .hasMessageNotContaining("wrongFile2")
                .hasMessageNotContaining("wrongUser2")
                .hasMessageContaining("PASSWORD=***");
    }
}
