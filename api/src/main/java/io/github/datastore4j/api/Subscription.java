package io.github.datastore4j.api;

/**
 * The handle of a {@link Datastore#subscribe(ChangeListener) subscription}. Closing it stops further calls to the
 * listener (a call already running finishes); closing twice does nothing. Its {@link #close()} throws nothing, so
 * it fits try-with-resources:
 *
 * <pre>{@code
 * try (Subscription changes = store.subscribe((key, document) -> System.out.println(key + " -> " + document))) {
 *     ...
 * }
 * }</pre>
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
