package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Session;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * A {@link Session} of a {@link Namespace}: the working copy, its checksum at the last read or save, and the token
 * every write of the session carries, so that the namespace can refuse the writes of a lease that ended.
 *
 * <p><b>Concurrency contract.</b> Every method runs under this object's monitor, the auto-save included, so a save
 * never sees an edit half done. Writes go through the key's queue like any other write.
 */
final class EngineSession implements Session {
    private static final Logger LOG = LoggerFactory.getLogger(EngineSession.class);

    private final Namespace namespace;
    private final String key;
    private final long token;
    private JsonNode working;
    private long savedChecksum;
    /** The auto-save's write in flight, or {@code null}. Its completion never takes this monitor. */
    private CompletableFuture<Document> autosaving;

    private boolean closed;

    EngineSession(Namespace namespace, String key, long token, JsonNode working) {
        this.namespace = namespace;
        this.key = key;
        this.token = token;
        this.working = working;
        this.savedChecksum = checksum(working);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public long token() {
        return token;
    }

    @Override
    public synchronized JsonNode value() {
        return working.deepCopy();
    }

    @Override
    public synchronized void edit(Consumer<JsonNode> editor) {
        requireNonNull(editor, "editor");
        ensureOpen();
        editor.accept(working);
    }

    @Override
    public synchronized void set(Object value) {
        ensureOpen();
        working = namespace.sessionTree(key, value);
    }

    @Override
    public synchronized Document save() {
        ensureOpen();
        return saveNow();
    }

    private Document saveNow() {
        if (autosaving != null) {
            try {
                autosaving.join(); // ordered before ours in the key's queue anyway; wait to know its outcome
            } catch (CompletionException | java.util.concurrent.CancellationException ignored) {
                // settled below: a failed auto-save leaves the copy unsaved, and this save writes it
            }
            settleAutosave();
        }
        long checksum = checksum(working);
        boolean changed = checksum != savedChecksum;
        Document stored =
                BlockingDatastore.await(namespace.sessionWrite(key, token, changed ? working.deepCopy() : null));
        savedChecksum = checksum;
        return stored;
    }

    @Override
    public synchronized void renew(Duration lease) {
        ensureOpen();
        BlockingDatastore.await(namespace.renew(key, token, lease));
    }

    @Override
    public synchronized Document release() {
        ensureOpen();
        Document stored;
        try {
            stored = saveNow();
        } catch (LockedException e) {
            close(); // the lease is gone either way
            throw e;
        }
        close();
        return stored;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            namespace.free(this);
        }
    }

    /**
     * Starts the write of a changed working copy, without waiting for it: the auto-save runs on the storage's timer
     * thread, which must never block on a commit. A lost lease is logged, not thrown: the holder learns it on its next
     * call.
     */
    synchronized void autosave() {
        if (closed) {
            return;
        }
        settleAutosave();
        if (autosaving != null) {
            return; // the previous one is still being written
        }
        long checksum = checksum(working);
        if (checksum == savedChecksum) {
            return;
        }
        savedChecksum = checksum; // taken back by settleAutosave() if the write fails
        try {
            autosaving = namespace.sessionWrite(key, token, working.deepCopy());
        } catch (RuntimeException e) { // refused before queueing, e.g. the storage is closing
            autosaving = CompletableFuture.failedFuture(e);
        }
    }

    /** Under the monitor: forgets a finished auto-save, and if it failed marks the working copy as unsaved. */
    private void settleAutosave() {
        if (autosaving == null || !autosaving.isDone()) {
            return;
        }
        try {
            autosaving.join();
        } catch (CompletionException e) {
            savedChecksum = UNSAVED;
            Throwable cause = e.getCause();
            if (cause instanceof LockedException) {
                LOG.warn(
                        "auto-save of session {} of key '{}' refused, and stopped: {}", token, key, cause.getMessage());
                namespace.stopAutosave(this); // the lease is gone for good; its holder learns it on its next call
            } else {
                LOG.warn("auto-save of session {} of key '{}' failed; retried at the next one", token, key, cause);
            }
        }
        autosaving = null;
    }

    /** A checksum no content has: a CRC32C is unsigned, never negative. */
    private static final long UNSAVED = -2;

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session " + token + " of key '" + key + "' is closed");
        }
    }

    private long checksum(JsonNode value) {
        if (value.isMissingNode()) {
            return -1;
        }
        CRC32C crc = new CRC32C();
        crc.update(namespace.sessionBytes(key, value));
        return crc.getValue();
    }

    @Override
    public String toString() {
        return "Session[" + key + ", token " + token + (closed ? ", closed" : "") + "]";
    }
}
