package io.github.datastore4j.testkit;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import java.io.IOException;

/**
 * A second process for lock tests: {@link #main} tries to open a storage and prints {@code OPENED} or the error's code
 * and message; {@link #tryOpenInChildJvm} runs it and returns what it printed.
 */
public final class OpenProbe {
    private OpenProbe() {}

    public static void main(String[] args) {
        try (Storage storage = Storage.open(args[0])) {
            System.out.println("OPENED");
        } catch (DatastoreException e) {
            System.out.println(e.code() + " " + e.getMessage());
        }
    }

    /** Runs {@link #main} in a child JVM on this JVM's class path and returns its output. */
    public static String tryOpenInChildJvm(String uri) throws IOException, InterruptedException {
        return ChildJvm.run(OpenProbe.class, uri).output();
    }
}
