package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.internal.DocumentBridge;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * For engines: {@link Document}s built around trees without copying them, and a document's trees read without
 * copying them. An engine keeps one immutable document per stored revision and hands that same instance to every
 * reader, so it must neither copy on every write nor on every read it does itself (mapping a typed read, testing a
 * wait's condition, feeding a view).
 *
 * <p><b>The trees are shared.</b> A tree passed to {@link #of} becomes the document's: the caller must not change it
 * afterwards, nor keep it where anyone else can. A tree returned by {@link #value} or {@link #metadata} is the
 * document's own: read it, never change it, never hand it to application code — everyone holding the document would
 * see the change, and it would no longer match what was stored.
 *
 * <p>Applications use {@link Document} instead: {@link Document#of} copies what it is given, and
 * {@link Document#value()} and {@link Document#metadata()} return copies the caller may change.
 *
 * <pre>{@code
 * // tree and metadata were built here and are now the document's
 * Document stored = EngineDocuments.of(key, tree, metadata, rev + 1, schemaVersion, mapper);
 * boolean done = EngineDocuments.value(stored).path("done").asBoolean(); // read, never changed
 * }</pre>
 *
 * <p>Stateless and thread-safe; documents are immutable.
 */
public final class EngineDocuments {
    /** Forces Document's initialization, which installs the accessor, before the first use. */
    private static final DocumentBridge.Access ACCESS = DocumentBridge.installed();

    private EngineDocuments() {}

    /**
     * A document that takes ownership of {@code value} and {@code metadata} without copying them.
     *
     * @param metadata a JSON object; empty for a document without metadata
     * @param mapper what {@link Document#value(Class)} maps the value with: the storage's
     *     {@link io.github.datastore4j.api.StorageOptions#jsonMapper() jsonMapper}, the same mapper as the engine's own
     *     typed reads, so that {@code document.value(T.class)} and {@code get(key, T.class)} agree
     * @throws IllegalArgumentException if {@code rev < 1} or {@code schemaVersion < 0}
     */
    public static Document of(
            String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper) {
        return ACCESS.create(key, value, metadata, rev, schemaVersion, mapper);
    }

    /** The document's value itself, shared with every holder of the document: never change it. */
    public static JsonNode value(Document document) {
        return ACCESS.value(requireNonNull(document, "document"));
    }

    /** The document's metadata itself, an object shared with every holder of the document: never change it. */
    public static ObjectNode metadata(Document document) {
        return ACCESS.metadata(requireNonNull(document, "document"));
    }
}
