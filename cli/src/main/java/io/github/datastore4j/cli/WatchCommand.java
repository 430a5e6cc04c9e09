package io.github.datastore4j.cli;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.Subscription;
import io.github.datastore4j.api.WaitTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code watch ns key}: prints each change of a key as one JSON line as it happens — the document, or
 * {@code {"key":…,"deleted":true}} — until interrupted, until {@code --count} changes, or until {@code --timeout}.
 *
 * <p>Changes come from the datastore's change stream ({@code Datastore.subscribe}), which reports every change of a
 * key in order, so none is missed between two of them. Other processes' changes arrive only on a store that processes
 * share ({@code postgres:}), through its change feed, and several made in quick succession may arrive as their latest
 * state; the one-process stores (json, h2, mapdb) are locked by this command while it watches.
 * Once subscribed it says so on standard error, so a script can write after that line.
 */
@Command(name = "watch", description = "Prints the changes of a key as they happen, one JSON line each.")
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Option(names = "--count", description = "Stop after this many changes.")
    Integer count;

    @Option(
            names = "--timeout",
            converter = DurationConverter.class,
            description =
                    "Stop after this long (500ms, 5s, 2m, PT1H); with --count, fewer changes by then is a failure.")
    Duration timeout;

    /** The state of the key now: present at a revision, or absent. */
    private record State(boolean present, long rev) {
        static State of(Optional<Document> document) {
            return document.map(d -> new State(true, d.rev())).orElse(new State(false, 0));
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        if (count != null && count < 1) {
            throw new IllegalArgumentException("--count must be 1 or more, not " + count);
        }
        BlockingQueue<Optional<Document>> changes = new LinkedBlockingQueue<>();
        try (Storage storage = Storage.open(main.requireUri())) {
            Datastore datastore = storage.datastore(namespace);
            Subscription subscription = datastore.subscribe((changedKey, document) -> {
                if (changedKey.equals(key)) {
                    changes.add(Optional.ofNullable(document));
                }
            });
            try {
                // the listener may report the current state once more: only what differs from it is a change
                State last = State.of(datastore.getDocument(key));
                System.err.println("watching key '" + key + "' of namespace '" + namespace + "' in " + main.shownUri()
                        + (last.present() ? " at rev " + last.rev() : " (absent)"));
                long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
                int seen = 0;
                while (count == null || seen < count) {
                    long left = deadline - System.nanoTime();
                    Optional<Document> change =
                            timeout == null ? changes.take() : changes.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                    if (change == null) {
                        if (count != null) {
                            throw new WaitTimeoutException(
                                    namespace, key, count + " changes (saw " + seen + ")", timeout);
                        }
                        break;
                    }
                    State state = State.of(change);
                    if (state.equals(last) || (state.present() && last.present() && state.rev() < last.rev())) {
                        continue; // the current state reported again, or an older one reported late
                    }
                    last = state;
                    seen++;
                    System.out.println(change.map(DocumentJson::of).orElseGet(() -> DocumentJson.deleted(key)));
                    System.out.flush();
                }
            } finally {
                subscription.close();
            }
        }
        return 0;
    }
}
