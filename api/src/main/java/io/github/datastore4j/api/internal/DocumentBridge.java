package io.github.datastore4j.api.internal;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.Document;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bridge through which {@link io.github.datastore4j.api.spi.EngineDocuments} reaches {@link Document}'s private
 * constructor and fields, so that {@code Document}'s public surface stays the user API (the shape of the JDK's
 * {@code SharedSecrets}). {@code Document}'s static initializer installs the one {@link Access}; this package is not
 * exported, and a second installation throws, so no other code can stand in for it.
 *
 * <p><b>Concurrency contract.</b> {@link #install} and {@link #installed} are thread-safe: both first force
 * {@code Document}'s initialization, so {@code Document}'s own installation always happens before any other attempt
 * and is visible to every thread that asks for it.
 */
public final class DocumentBridge {
    /** What engines may do to a document that users may not: build one around trees, read its trees. */
    public interface Access {
        /**
         * A document that owns {@code value} and {@code metadata}, checked as {@link Document#of} checks, whose
         * {@link Document#value(Class)} maps with {@code mapper}.
         */
        Document create(
                String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper);

        /** The document's value itself, not a copy. */
        JsonNode value(Document document);

        /** The document's metadata itself, not a copy. */
        ObjectNode metadata(Document document);
    }

    private static final Object LOCK = new Object();

    /** Guarded by {@link #LOCK}; set once, by {@code Document}. */
    private static Access access;

    private DocumentBridge() {}

    /**
     * Installs {@code Document}'s accessor; called once, by {@code Document}'s static initializer.
     *
     * @throws IllegalStateException if an accessor is already installed
     */
    public static void install(Access accessor) {
        requireNonNull(accessor, "accessor");
        initializeDocument();
        synchronized (LOCK) {
            if (access != null) {
                throw new IllegalStateException("Document's accessor is already installed: Document installs it,"
                        + " once, when it is initialized; "
                        + accessor.getClass().getName() + " cannot replace it");
            }
            access = accessor;
        }
    }

    /** The accessor {@code Document} installed, after making sure it has been initialized. */
    public static Access installed() {
        initializeDocument();
        synchronized (LOCK) {
            if (access == null) {
                throw new IllegalStateException("Document was initialized without installing its accessor");
            }
            return access;
        }
    }

    /**
     * Runs {@code Document}'s static initializer if it has not run. Within that initializer (the same thread) this
     * returns at once, as the JVM does for a class initializing itself.
     */
    private static void initializeDocument() {
        try {
            Class.forName(Document.class.getName(), true, Document.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("Document is in this module", e);
        }
    }
}
