package io.github.datastore4j.api;

import java.time.Duration;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * Exclusive editing of one key for a lease time, from {@link Datastore#acquire(String, Duration, Duration)}. While
 * the lease is live, every other write of the key — another session's, a plain {@code set}, {@code update}, {@code
 * increment}, {@code delete}, or the key's share of a {@code clear()} — fails with {@link LockedException}, and other
 * acquirers wait, retried in arrival order when the key is freed (not strictly fair: one arriving at that moment
 * may get in first). Reads are not blocked: they see the last saved value.
 *
 * <p>The session keeps a working copy of the value. Edit it in {@link #edit}; the engine detects a change by its
 * checksum and saves it on the storage's {@code autosave} schedule, on {@link #save()} and on {@link #release()}.
 * {@link #close()} without saving discards unsaved edits and frees the key.
 *
 * <p><b>Leases.</b> A lease that runs out is taken over safely: the next acquirer gets the key with a higher {@link
 * #token() fencing token}, and every later save or renewal of the old session is rejected with {@code LOCKED} —
 * never applied. Renew before the lease ends to keep it. Leases live in memory, in the engine of one {@link
 * Storage}, and end with it (a reopened storage starts with every key free). Every backend here admits one process
 * per store (a second one fails to open with {@code LOCKED}), so a lease excludes every writer of the store; a
 * backend shared by several processes would need leases kept in the backend, which no backend offers yet.
 *
 * <p>Thread-safe: {@link #edit}, {@link #save()} and the auto-save run under the session's lock, so an edit is never
 * saved half done. The tree given to {@code edit} must not be kept beyond the call.
 */
public interface Session extends AutoCloseable {

    /** The key held. */
    String key();

    /** This grant's fencing token: greater than every earlier grant's in this namespace. */
    long token();

    /** A copy of the working value; {@code MissingNode} if the key does not exist and there is no template. */
    JsonNode value();

    /** Changes the working copy in place, under the session's lock. Saved later (see above). */
    void edit(Consumer<JsonNode> editor);

    /** Replaces the working copy with {@code value} (mapped with Jackson). */
    void set(Object value);

    /**
     * Writes the working copy if it changed since it was read or last saved, and returns the stored document.
     *
     * @throws LockedException if the lease ran out or was taken over: nothing is written
     */
    Document save();

    /**
     * Extends the lease to {@code lease} from now.
     *
     * @throws LockedException if the lease already ran out or was taken over
     */
    void renew(Duration lease);

    /** {@link #save()}, then frees the key for the next acquirer. */
    Document release();

    /** Frees the key without saving: unsaved edits are discarded. Idempotent; a no-op after {@link #release()}. */
    @Override
    void close();
}
