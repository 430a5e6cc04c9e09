package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;

/**
 * A child process that sets {@code k0..k<n-1>} in {@code interval} durability with an auto-save interval far longer
 * than its life, and returns from {@code main} without closing: only the engine's final save at JVM shutdown can keep
 * the values. Arguments: the storage URI (with its durability settings), {@code n}.
 */
final class IntervalExitWriter {
    private IntervalExitWriter() {}

    @SuppressWarnings("resource") // not closing is the point
    public static void main(String[] args) {
        Storage storage = Storage.open(args[0]);
        Datastore store = storage.datastore("exit");
        int n = Integer.parseInt(args[1]);
        for (int i = 0; i < n; i++) {
            store.set("k" + i, i);
        }
        System.out.println("written " + n);
    }
}
