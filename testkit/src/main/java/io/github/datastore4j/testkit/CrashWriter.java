package io.github.datastore4j.testkit;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.io.PrintStream;

/**
 * The child process of {@link CrashRecoveryKit}: opens a storage and writes until it is killed, printing
 * {@code ack <i> <counter>} after each write the storage acknowledged. Each round sets {@code k<i>} to {@code i} and
 * increments {@code counter}.
 *
 * <p>Arguments: the storage URI, the first index.
 */
public final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) {
        String uri = args[0];
        long first = Long.parseLong(args[1]);
        PrintStream out = System.out;
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("crash");
            out.println("open");
            out.flush();
            for (long i = first; ; i++) {
                store.set("k" + i, i);
                long counter = store.increment("counter", 1);
                out.println("ack " + i + " " + counter);
                out.flush();
            }
        }
    }
}
