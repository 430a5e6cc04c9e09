package io.github.datastore4j.cli;

import static io.github.datastore4j.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command of the shaded jar, run as a real process over real stores. */
@DisplayName("The datastore4j command line")
class CliIT {
    @TempDir
    Path folder;

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Records with revisions, schema versions and metadata that no put could make. */
    private static final String RECORDS = """
            {"key":"alice","rev":4,"schemaVersion":2,"value":{"name":"Alice","score":1.50,"big":1e400},"metadata":{"source":"signup"}}
            {"key":"bob","rev":1,"schemaVersion":0,"value":[1,2,3]}
            {"key":"c/../x","rev":9,"schemaVersion":1,"value":"caf\\u00e9 \\"q\\""}
            """;

    @Nested
    @DisplayName("reads and writes keys")
    class Keys {
        @Test
        @DisplayName("put, get, ls, namespaces and delete over a json: store")
        void putGetLsNamespacesDelete() {
            run(folder, "-u", "json:./data", "put", "users", "alice", "{\"name\":\"Alice\"}")
                    .succeeded();
            assertThat(run(folder, utf8("{\"name\":\"Bob\"}"), "-u", "json:./data", "put", "users", "bob")
                            .succeeded()
                            .out())
                    .isEqualTo("rev 1\n");
            run(folder, "-u", "json:./data", "put", "users", "anna", "3").succeeded();
            run(folder, "-u", "json:./data", "put", "jobs", "done", "true").succeeded();

            assertThat(run(folder, "-u", "json:./data", "get", "users", "alice")
                            .succeeded()
                            .out())
                    .isEqualTo("{\"name\":\"Alice\"}\n");
            assertThat(run(folder, "-u", "json:./data", "get", "--document", "users", "bob")
                            .succeeded()
                            .out())
                    .isEqualTo("{\"key\":\"bob\",\"rev\":1,\"schemaVersion\":0,\"value\":{\"name\":\"Bob\"}}\n");
            assertThat(run(folder, "-u", "json:./data", "ls", "users")
                            .succeeded()
                            .out())
                    .isEqualTo("alice\nanna\nbob\n");
            assertThat(run(folder, "-u", "json:./data", "ls", "users", "--prefix", "a", "--limit", "1")
                            .succeeded()
                            .out())
                    .isEqualTo("alice\n");
            assertThat(run(folder, "-u", "json:./data", "namespaces")
                            .succeeded()
                            .out())
                    .isEqualTo("jobs\nusers\n");

            assertThat(run(folder, "-u", "json:./data", "delete", "users", "anna")
                            .succeeded()
                            .out())
                    .isEqualTo("deleted anna\n");
            run(folder, "-u", "json:./data", "get", "users", "anna").failedWith("key 'anna' does not exist");
        }

        @Test
        @DisplayName("put and delete with --rev write only at that revision")
        void revisionsGuardPutAndDelete() {
            run(folder, "-u", "mapdb:./db", "put", "users", "alice", "1").succeeded();
            assertThat(run(folder, "-u", "mapdb:./db", "put", "--rev", "1", "users", "alice", "2")
                            .succeeded()
                            .out())
                    .isEqualTo("rev 2\n");
            run(folder, "-u", "mapdb:./db", "put", "--rev", "1", "users", "alice", "3")
                    .failedWith("expected rev 1 but the current rev is 2");
            run(folder, "-u", "mapdb:./db", "put", "--rev", "0", "users", "alice", "3")
                    .failedWith("exists (rev 2)");
            run(folder, "-u", "mapdb:./db", "delete", "--rev", "1", "users", "alice")
                    .failedWith("expected rev 1 but the current rev is 2");
            run(folder, "-u", "mapdb:./db", "delete", "--rev", "2", "users", "alice")
                    .succeeded();
        }
    }

    @Nested
    @DisplayName("fails with one clear line and no stack trace")
    class BadInput {
        @Test
        @DisplayName("for a missing namespace, key or URI, a bad URI and bad JSON")
        void badInput() {
            run(folder, "-u", "json:./data", "put", "users", "alice", "1").succeeded();
            run(folder, "-u", "json:./data", "get", "nope", "alice")
                    .failedWith("namespace 'nope' does not exist in json:./data; it has [users] [NOT_FOUND]");
            run(folder, "-u", "json:./data", "export", "nope").failedWith("namespace 'nope' does not exist");
            run(folder, "-u", "json:./data", "put", "users", "alice", "{\"a\":")
                    .failedWith("the value for key 'alice' is not valid JSON");
            run(folder, "-u", "json:./data", "put", "users", "alice", "{} {}").failedWith("is not valid JSON");
            run(folder, "-u", "nope:./x", "namespaces").failedWith("no datastore4j backend for scheme 'nope'");
            run(folder, "-u", "./no-scheme", "namespaces").failedWith("does not start with a scheme");
            run(folder, "-u", "json:./data?colour=red", "namespaces").failedWith("unknown setting 'colour'");
            run(folder, "get", "users", "alice").failedWith("no storage URI");
            run(folder, "-u", "postgres:jdbc:postgresql://127.0.0.1:1/db?password=hunter2", "namespaces")
                    .failedWith("[BACKEND]");
            assertThat(run(folder, "-u", "postgres:jdbc:postgresql://127.0.0.1:1/db?password=hunter2", "ls", "x")
                            .err())
                    .doesNotContain("hunter2");
        }

        @Test
        @DisplayName("prints the stack trace only with --verbose")
        void stackTraceOnlyWhenVerbose() {
            CliProcess.Result verbose = run(folder, "-u", "nope:x", "--verbose", "namespaces");
            assertThat(verbose.exitCode()).isEqualTo(1);
            assertThat(verbose.err()).contains("ProviderNotFoundException").contains("\tat ");
        }

        @Test
        @DisplayName("for a wrong command line, with usage and exit code 2")
        void usage() {
            CliProcess.Result result = run(folder, "-u", "json:./data", "get", "users");
            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.err())
                    .contains("Missing required parameter: 'KEY'")
                    .contains("Usage:");
        }
    }

    @Nested
    @DisplayName("exports and imports")
    class ExportImport {
        @Test
        @DisplayName(
                "mapdb → h2 keeps revisions, schema versions, metadata and value bytes: re-export is byte-identical")
        void roundTripBetweenBackends() throws IOException {
            Files.writeString(folder.resolve("in.ndjson"), RECORDS);
            run(folder, "-u", "mapdb:./a.mapdb", "import", "users", "-i", "in.ndjson")
                    .succeeded();
            CliProcess.Result exported =
                    run(folder, "-u", "mapdb:./a.mapdb", "export", "users").succeeded();
            assertThat(exported.out()).isEqualTo(RECORDS);
            assertThat(exported.err()).contains("exported 3 records of namespace 'users' from mapdb:./a.mapdb");

            run(folder, utf8(exported.out()), "-u", "h2:./b", "import", "users").succeeded();
            run(folder, "-u", "h2:./b", "export", "users", "-o", "again.ndjson").succeeded();
            assertThat(Files.readAllBytes(folder.resolve("again.ndjson"))).isEqualTo(utf8(RECORDS));
            assertThat(run(folder, "-u", "h2:./b", "get", "-d", "users", "alice")
                            .succeeded()
                            .out())
                    .contains("\"rev\":4,\"schemaVersion\":2")
                    .contains("\"metadata\":{\"source\":\"signup\"}");
            run(folder, "-u", "h2:./b", "verify").succeeded();
        }

        @Test
        @DisplayName("import refuses a bad line naming it, a non-empty namespace, and writes nothing on a dry run")
        void importRefusesBadLines() throws IOException {
            run(
                            folder,
                            utf8(
                                    "{\"key\":\"a\",\"rev\":1,\"schemaVersion\":0,\"value\":1}\n{\"key\":\"b\",\"rev\":1}\n"),
                            "-u",
                            "json:./data",
                            "import",
                            "--dry-run",
                            "users")
                    .failedWith("line 2 of standard input: no \"schemaVersion\" for key 'b'; nothing was written");
            run(folder, "-u", "json:./data", "namespaces").succeeded();
            assertThat(run(folder, "-u", "json:./data", "namespaces").out()).isEmpty();
            run(folder, utf8("not json\n"), "-u", "json:./data", "import", "users")
                    .failedWith("line 1 of standard input: not valid JSON");
            Files.writeString(folder.resolve("in.ndjson"), RECORDS);
            run(folder, "-u", "json:./data", "import", "-i", "in.ndjson", "users")
                    .succeeded();
            run(folder, "-u", "json:./data", "import", "-i", "in.ndjson", "users")
                    .failedWith("already holds records");
        }
    }

    @Nested
    @DisplayName("shares a store")
    class Shared {
        @Test
        @DisplayName("import into a shared store refuses, writing nothing, while a session holds one of its keys")
        void importRespectsSessions() throws IOException {
            Files.writeString(folder.resolve("in.ndjson"), RECORDS);
            String uri = "sqlite:" + folder.resolve("shared.db");
            try (Storage storage = Storage.open(uri)) {
                Datastore users = storage.datastore("users");
                try (Session session = users.acquire("alice", Duration.ofMinutes(1))) {
                    run(folder, "-u", uri, "import", "-i", "in.ndjson", "users")
                            .failedWith("key 'alice' of namespace 'users' is held by a session's lease");
                    assertThat(users.getLatest("bob")).isEmpty(); // nothing of the batch
                }
                run(folder, "-u", uri, "import", "-i", "in.ndjson", "users").succeeded();
                assertThat(users.getLatest("alice")).isPresent();
            }
        }
    }

    @Nested
    @DisplayName("checks integrity")
    class Verify {
        @Test
        @DisplayName(
                "verify is clean on a good store and exits 3 naming a record damaged on disk; --quarantine moves it aside")
        void verifyFindsDamage() throws IOException {
            run(folder, "-u", "json:./data", "put", "users", "alice", "{\"a\":1}")
                    .succeeded();
            run(folder, "-u", "json:./data", "put", "users", "bob", "{\"a\":1}").succeeded();
            assertThat(run(folder, "-u", "json:./data", "verify").succeeded().out())
                    .isEqualTo("verified 2 records in 1 namespaces of json:./data: no damage\n");

            Path file = folder.resolve("data/users/alice.json");
            Files.writeString(file, Files.readString(file).replace("{\"a\":1}", "{\"a\":2}"));
            CliProcess.Result damaged = run(folder, "-u", "json:./data", "verify");
            assertThat(damaged.exitCode()).isEqualTo(3);
            assertThat(damaged.out()).contains("damaged: users: key 'alice' fails its CRC32C checksum");
            damaged.assertOneLineError("1 of 2 records damaged in json:./data");

            CliProcess.Result export = run(folder, "-u", "json:./data", "export", "users");
            assertThat(export.exitCode()).isEqualTo(1);
            assertThat(export.out()).contains("\"key\":\"bob\"").doesNotContain("alice");
            assertThat(export.err())
                    .contains("not exported, damaged: key 'alice' fails its CRC32C checksum")
                    .contains("exported 1 records of namespace 'users' but left out 1 damaged ones")
                    .doesNotContain("\tat ");
            assertThat(run(folder, "-u", "json:./data", "verify", "--quarantine")
                            .exitCode())
                    .isEqualTo(3);
            assertThat(Files.exists(file)).isFalse();
            run(folder, "-u", "json:./data", "verify").succeeded();
            assertThat(run(folder, "-u", "json:./data", "ls", "users")
                            .succeeded()
                            .out())
                    .isEqualTo("bob\n");
        }

        @Test
        @DisplayName("verify names an unreadable file")
        void verifyNamesAnUnreadableFile() throws IOException {
            run(folder, "-u", "json:./data", "put", "users", "alice", "1").succeeded();
            Files.writeString(folder.resolve("data/users/alice.json"), "{ not json");
            CliProcess.Result damaged = run(folder, "-u", "json:./data", "verify", "users");
            assertThat(damaged.exitCode()).isEqualTo(3);
            assertThat(damaged.out()).contains("damaged: users:").contains("alice");
        }
    }

    @Nested
    @DisplayName("copies, migrates and reports")
    class CopyMigrateStats {
        @Test
        @DisplayName("copy moves every namespace with Transfer; migrate reports schema versions; stats counts records")
        void copyMigrateStats() throws IOException {
            Files.writeString(folder.resolve("in.ndjson"), RECORDS);
            run(folder, "-u", "h2:./src", "import", "-i", "in.ndjson", "users").succeeded();
            run(folder, "-u", "h2:./src", "put", "jobs", "done", "true").succeeded();
            assertThat(run(folder, "copy", "h2:./src", "json:./dst").succeeded().err())
                    .contains("copied 4 records in 2 namespaces from h2:./src to json:./dst");
            assertThat(run(folder, "-u", "json:./dst", "export", "users")
                            .succeeded()
                            .out())
                    .isEqualTo(RECORDS);
            run(folder, "copy", "h2:./src", "json:./other", "nope").failedWith("holds no records");

            assertThat(run(folder, "-u", "json:./dst", "migrate", "users")
                            .succeeded()
                            .out())
                    .isEqualTo(
                            "schema version 0: 1 records\nschema version 1: 1 records\nschema version 2: 1 records\n");
            assertThat(run(folder, "-u", "json:./dst", "stats").succeeded().out())
                    .contains("\"users\" : 3")
                    .contains("\"jobs\" : 1")
                    .contains("\"bytesInMemory\"");
        }

        @Test
        @DisplayName("migrate --schema runs the application's Supplier<Schema> from its class path")
        void migrateWithAnApplicationSchema() {
            run(folder, "-u", "h2:./db", "put", "users", "a", "{\"n\":1}").succeeded();
            String classes = Path.of("target/test-classes").toAbsolutePath().toString();
            assertThat(run(
                                    folder,
                                    "-u",
                                    "h2:./db",
                                    "migrate",
                                    "users",
                                    "--schema",
                                    CoinsSchema.class.getName(),
                                    "--class-path",
                                    classes)
                            .succeeded()
                            .out())
                    .isEqualTo("schema version 1: 1 records\n");
            assertThat(run(folder, "-u", "h2:./db", "get", "-d", "users", "a")
                            .succeeded()
                            .out())
                    .isEqualTo("{\"key\":\"a\",\"rev\":2,\"schemaVersion\":1,\"value\":{\"n\":1,\"coins\":0}}\n");
            run(folder, "-u", "h2:./db", "migrate", "users", "--schema", "no.Such", "--class-path", classes)
                    .failedWith("schema class no.Such is not on --class-path");
        }
    }
}
