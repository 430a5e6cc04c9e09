package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.Storage;
import java.io.IOException;

/**
 * A child process that holds a storage open: prints {@code open} once it is, then waits until its stdin closes (or it
 * is killed). Arguments: the storage URI.
 */
final class HoldOpen {
    private HoldOpen() {}

    public static void main(String[] args) throws IOException {
        try (Storage storage = Storage.open(args[0])) {
            storage.datastore("ns").set("held", true);
            System.out.println("open");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for EOF
            }
        }
    }
}
