package io.github.datastore4j.testkit;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;

/**
 * A child process that writes {@code k0..k<n-1>} and exits with {@link System#exit} without closing its storage, to
 * prove that {@code interval} durability saves at JVM shutdown. Arguments: the storage URI, {@code n}.
 */
public final class ExitWithoutClose {
    private ExitWithoutClose() {}

    @SuppressWarnings("resource") // not closing is the point
    public static void main(String[] args) {
        Storage storage = Storage.open(args[0]);
        Datastore store = storage.datastore("exit");
        int n = Integer.parseInt(args[1]);
        for (int i = 0; i < n; i++) {
            store.set("k" + i, i);
        }
        System.out.println("written " + n);
        System.exit(0);
    }
}
