package sqliteapp;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;

/**
 * A child JVM's program: opens {@code args[0]} through {@link Storage#open} alone (so the backend is found as a
 * service), increments a counter {@code args[1]} times, prints the value; with a third argument {@code wait} it then
 * prints {@code ready} and keeps incrementing until it is killed.
 */
public final class StoreUser {
    private StoreUser() {}

    public static void main(String[] args) {
        try (Storage storage = Storage.open(args[0])) {
            Datastore store = storage.datastore("users");
            long value = 0;
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                value = store.increment("n", 1);
            }
            System.out.println(
                    "value " + value + " backend " + storage.getClass().getModule());
            if (args.length > 2 && args[2].equals("wait")) {
                System.out.println("ready");
                System.out.flush();
                while (true) {
                    store.increment("n", 1);
                }
            }
        }
    }
}
