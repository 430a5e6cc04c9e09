package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;

/** A second process for the lock test: tries to open the store and prints what happened. */
public final class LockProbe {
    private LockProbe() {}

    public static void main(String[] args) {
        try (Storage storage = Storage.open(args[0])) {
            System.out.println("OPENED");
        } catch (DatastoreException e) {
            System.out.println(e.code() + " " + e.getMessage());
        }
    }
}
