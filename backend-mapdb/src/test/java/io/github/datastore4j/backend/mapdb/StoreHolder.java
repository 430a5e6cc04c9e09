package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A child process for lock tests: opens a storage, sets {@code held} to its pid and prints {@code open}, then keeps the
 * storage open until a line (or end of input) arrives on stdin, closes it and prints {@code closed}. If the open fails
 * it prints the error's code and message instead. Argument: the storage URI.
 */
public final class StoreHolder {
    private StoreHolder() {}

    public static void main(String[] args) throws Exception {
        Storage storage;
        try {
            storage = Storage.open(args[0]);
        } catch (DatastoreException e) {
            System.out.println(e.code() + " " + e.getMessage());
            return;
        }
        storage.datastore("ns").set("held", ProcessHandle.current().pid());
        System.out.println("open");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        storage.close();
        System.out.println("closed");
    }
}
