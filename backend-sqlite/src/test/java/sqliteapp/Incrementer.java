package sqliteapp;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM's program: opens {@code args[0]}, prints {@code ready}, then {@code args[2]} threads each increment key
 * {@code args[1]} {@code args[3]} times (forever if 0), printing {@code ack} after each acknowledged increment and
 * {@code done} at the end.
 */
public final class Incrementer {
    private Incrementer() {}

    public static void main(String[] args) throws Exception {
        String key = args[1];
        int threads = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        try (Storage storage = Storage.open(args[0])) {
            Datastore store = storage.datastore("counters");
            System.out.println("ready");
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    for (int n = 0; count == 0 || n < count; n++) {
                        store.increment(key, 1);
                        System.out.println("ack");
                    }
                });
                thread.start();
                running.add(thread);
            }
            for (Thread thread : running) {
                thread.join();
            }
            System.out.println("done");
        }
    }
}
