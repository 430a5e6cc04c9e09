package io.github.datastore4j.views;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Subscription;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The views of one {@link Datastore}, built from its current data when defined and then kept up to date from its
 * change stream ({@link Datastore#subscribe}), over any backend.
 *
 * <pre>{@code
 * Views views = Views.over(storage.datastore("posts"));
 * View byTag = views.define("byTag", (doc, emit) -> doc.value().path("tags").forEach(tag -> emit.emit(tag, 1)),
 *         Reducers.count());
 * ViewResult perTag = byTag.query(ViewQuery.builder().group(true).build());
 * }</pre>
 *
 * <p>Views live in memory and are rebuilt when defined. A map function that throws on a document is reported to the
 * {@link MapErrorListener} with the view and the key; that document has no rows in the view, and neither the view nor
 * the write that triggered it breaks. Defining a name again replaces the view; {@link #drop} removes it. Thread-safe.
 */
public final class Views implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Views.class);

    /** Told when a map function throws on a document. */
    @FunctionalInterface
    public interface MapErrorListener {
        void mapFailed(String view, String key, RuntimeException error);
    }

    private final Datastore store;
    private final MapErrorListener errors;
    private final Map<String, Definition> definitions = new ConcurrentHashMap<>();

    private record Definition(View view, Subscription subscription) {}

    private Views(Datastore store, MapErrorListener errors) {
        this.store = store;
        this.errors = errors;
    }

    /** The views of {@code store}; map errors are logged as warnings. */
    public static Views over(Datastore store) {
        return over(
                store,
                (view, key, error) -> LOG.warn(
                        "view '{}' could not map key '{}' of namespace '{}'", view, key, store.namespace(), error));
    }

    /** The views of {@code store}, reporting map errors to {@code errors}. */
    public static Views over(Datastore store, MapErrorListener errors) {
        return new Views(requireNonNull(store, "store"), requireNonNull(errors, "errors"));
    }

    /** Defines (or replaces) a view without a reducer; returns once it holds every existing document. */
    public View define(String name, MapFunction map) {
        return define(name, map, null);
    }

    /** Defines (or replaces) a view with a reducer; returns once it holds every existing document. */
    public View define(String name, MapFunction map, Reducer reducer) {
        requireNonNull(name, "name");
        requireNonNull(map, "map");
        if (name.isBlank()) {
            throw new IllegalArgumentException("view name is blank");
        }
        View view = new View(name, map, reducer);
        Subscription subscription = store.subscribe((key, document) -> update(view, key, document));
        Definition old = definitions.put(name, new Definition(view, subscription));
        if (old != null) {
            close(old);
        }
        return view;
    }

    private void update(View view, String key, Document document) {
        List<JsonNode[]> emits = List.of();
        if (document != null) {
            try {
                emits = view.map(document);
            } catch (RuntimeException e) {
                try {
                    errors.mapFailed(view.name(), key, e);
                } catch (RuntimeException listenerFailure) {
                    LOG.warn("map error listener failed", listenerFailure);
                }
            }
        }
        view.replace(key, document, emits);
    }

    /** The view of this name, if defined. */
    public Optional<View> view(String name) {
        return Optional.ofNullable(definitions.get(name)).map(Definition::view);
    }

    /** Removes a view; returns whether it existed. */
    public boolean drop(String name) {
        Definition old = definitions.remove(name);
        if (old != null) {
            close(old);
        }
        return old != null;
    }

    /** Drops every view. */
    @Override
    public void close() {
        definitions.keySet().forEach(this::drop);
    }

    private static void close(Definition definition) {
        definition.subscription().close();
    }
}
