package io.github.datastore4j.api;

/**
 * Told about the state of keys of a namespace; see {@link Datastore#subscribe(ChangeListener)}.
 *
 * <p>Called inside the key's operation, so calls for one key come one at a time in the order the key changed; calls
 * for different keys may come concurrently from different threads. Keep it short and do not call the datastore from
 * it. An exception it throws is logged and does not affect the write.
 */
@FunctionalInterface
public interface ChangeListener {

    /**
     * {@code key} now holds {@code document}, or does not exist when {@code document} is null. The same state may be
     * reported twice (once as a change, once by the initial pass of {@code subscribe}); treat each call as "this is the
     * state now".
     */
    void changed(String key, Document document);
}
