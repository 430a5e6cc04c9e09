package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.ChangeListener;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change listeners of a {@link Namespace}. A listener is told every change inside the key's slot, so it sees
 * each key's changes in order; a new listener is first told every key's current value, through each key's slot, so
 * it misses nothing between that report and the next change.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: the list is copy-on-write; a listener that throws is logged and kept.
 */
final class Listeners {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);
    private final Namespace ns;
    private final EngineStorage storage;
    private final String name;
    /** Change listeners; called inside the key's slot. */
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

    Listeners(Namespace ns, EngineStorage storage, String name) {
        this.ns = ns;
        this.storage = storage;
        this.name = name;
    }

    boolean isEmpty() {
        return listeners.isEmpty();
    }

    void tell(String key, StoredValue value) {
        Document document = value == null ? null : value.document();
        for (ChangeListener listener : listeners) {
            try {
                listener.changed(key, document);
            } catch (RuntimeException e) {
                LOG.warn("change listener {} failed on key '{}' of namespace '{}'", listener, key, name, e);
            }
        }
    }

    Subscription subscribe(ChangeListener listener) {
        requireNonNull(listener, "listener");
        storage.ensureOpen();
        listeners.add(listener);
        List<CompletableFuture<Void>> reported = new ArrayList<>();
        for (String key : ns.keys()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            reported.add(done);
            ns.runInSlot(key, slot -> {
                try {
                    if (listeners.contains(listener)) {
                        StoredValue value = slot.current;
                        listener.changed(slot.key, value == null ? null : value.document());
                    }
                    done.complete(null);
                } catch (Throwable t) {
                    LOG.warn("change listener {} failed on key '{}' of namespace '{}'", listener, slot.key, name, t);
                    done.complete(null);
                }
            });
        }
        CompletableFuture.allOf(reported.toArray(CompletableFuture[]::new)).join();
        return () -> listeners.remove(listener);
    }
}
