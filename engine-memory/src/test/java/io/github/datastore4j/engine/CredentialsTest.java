package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A credential in a storage URI never reaches a message, a log line or {@link Storage#uri()}. */
class CredentialsTest {
    private static final String SECRET = "s3cr3t-Pa55";

    @Test
    @DisplayName("no message, log line or uri() of a storage shows the password of its URI")
    void passwordNeverShown() {
        String name = "credentials-" + System.nanoTime();
        SharedMemoryBackendProvider.Store backend = SharedMemoryBackendProvider.store(name + ";PASSWORD=" + SECRET);
        List<String> messages = new ArrayList<>();
        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            Storage storage = Storage.open(
                    "shared-memory:" + name + ";PASSWORD=" + SECRET + "?debug=true&retries=1&retryBackoff=1ms");
            messages.add(storage.uri());
            messages.add(storage.toString());
            Datastore store = storage.datastore("ns");
            store.set("k", 1);
            backend.failNextWrites.set(2);
            messages.add(catchMessage(() -> store.set("k", 2))); // BACKEND, after a logged retry
            storage.close();
            messages.add(catchMessage(() -> store.set("k", 3))); // CLOSED
            messages.add(catchMessage(() -> Storage.open("shared-memory:x;PASSWORD=" + SECRET + "?nosuch=1")));
            messages.add(catchMessage(() -> Storage.open("nosuch://ann:" + SECRET + "@host/db")));
            messages.add(catchMessage(() -> Storage.open("no scheme;password=" + SECRET)));
        } finally {
            System.setErr(stderr);
            SharedMemoryBackendProvider.STORES.remove(name + ";PASSWORD=" + SECRET);
        }
        assertThat(messages).hasSize(7).allSatisfy(message -> assertThat(message)
                .doesNotContain(SECRET));
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("PASSWORD=***").doesNotContain(SECRET);
    }

    private static String catchMessage(Runnable call) {
        try {
            call.run();
        } catch (DatastoreException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a DatastoreException");
    }
}
