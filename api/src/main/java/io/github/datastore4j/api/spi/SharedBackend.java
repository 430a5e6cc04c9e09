package io.github.datastore4j.api.spi;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A backend that any number of processes, on any number of machines, may open at once, each with its own engine. The
 * backend, not an engine, holds the truth: an engine keeps a cache that it refreshes from the {@linkplain
 * #changesAfter change feed}, and writes only {@linkplain #writeConditionally conditionally}, so two engines never
 * overwrite each other blindly. Its {@link #capabilities()} say {@link BackendCapabilities#shared() shared}.
 *
 * <p>What the engine needs, and nothing it can do itself:
 *
 * <ul>
 *   <li><b>conditional writes</b>: a group commit in one round trip, each mutation carrying the revision it expects;
 *       the ones that hold commit together, the others are reported with the record found;
 *   <li><b>a change feed</b>: a position that grows with every committed change, readable from any position, and a
 *       wake-up signal that new changes exist;
 *   <li><b>leases</b>: a key held by one holder until a time the backend's clock decides, with a fencing token that
 *       the backend checks inside the transaction of every write that carries it.
 * </ul>
 *
 * <p><b>Trimming.</b> A feed need not keep every change forever. A backend may drop a change once a later change of
 * the same key is in the feed (the reader then gets the later one: the key's state converges, its intermediate
 * states are skipped), and a delete's change once it is old (the reader would then miss a delete): from then on
 * {@link #changesAfter} from a position before a dropped delete fails with {@link FeedTrimmedException}. A feed read
 * from {@code 0} is never refused and always holds the latest change of every key that exists, as CouchDB's {@code
 * _changes} does, so an application can always rebuild from it.
 *
 * <p>{@link Backend#write} must still work, unconditionally as for one process (a copy or an import writes through
 * it), with one exception: a batch that touches a key a live lease holds is refused whole, nothing of it written, with
 * {@link ConditionalWrite#leased}'s {@link io.github.datastore4j.api.LockedException} — the rule of a {@link
 * ConditionalWrite#NO_FENCE} write, checked in the batch's transaction. {@link Backend#read} and {@link Backend#scan}
 * read the latest committed state.
 *
 * <p><b>Concurrency contract.</b> Every method may be called from any thread, concurrently with any other, including
 * {@link #writeConditionally} with itself: engines in several processes call it at once anyway. Futures may complete
 * on any thread. A lost connection fails the calls in progress with the backend's exception as the cause; later
 * calls reconnect.
 */
public interface SharedBackend extends Backend {

    /**
     * Commits the writes of {@code batch} whose conditions hold, all of them in one transaction, and none of the
     * others; at most one write per key. Durable when the future completes if {@link
     * BackendCapabilities#durableOnCommit()}.
     *
     * @return the writes that did not commit, each with the record the backend holds for its key (absent if none),
     *     and the feed position of the last committed change
     */
    CompletableFuture<ConditionalResult> writeConditionally(List<ConditionalWrite> batch);

    /**
     * {@link #writeConditionally}, answered on the calling thread, for a caller that would only wait for the future
     * (the engine's commit thread). Same guarantees; the backend may commit on this thread, saving the hand-offs to a
     * writer thread of its own and back, or commit other callers' queued work in the same transaction. The default
     * waits for {@link #writeConditionally}.
     *
     * @throws RuntimeException what {@link #writeConditionally}'s future would fail with (a {@link
     *     io.github.datastore4j.api.DatastoreException} for the backend's failures), not wrapped
     */
    default ConditionalResult writeConditionallyHere(List<ConditionalWrite> batch) {
        try {
            return writeConditionally(batch).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    /**
     * Moves a damaged record aside, as {@link Backend#quarantine} does, as a delete of its key: in one transaction it
     * is removed, kept where the returned text says, and its removal is a change in the feed, so that the other
     * processes drop the key too. Another process may have written a good record since this one read the damaged
     * one, so it is a conditional delete: the record moves only while it still has revision {@link Damaged#rev()} (any
     * revision if that is {@code 0}) and no live lease is on its key (as for a write without a fencing token).
     *
     * @return (in the future) where the record went, or, if it stayed, a sentence that says why (naming the revision
     *     the key has now), for the engine's report
     */
    @Override
    CompletableFuture<String> quarantine(Damaged entry);

    /**
     * Up to {@code limit} committed changes of {@code namespace} with positions after {@code position}, in position
     * order, each key's changes in the order they committed.
     *
     * <p><b>No change is ever skipped.</b> Where positions are allocated before commit (a sequence), a transaction
     * can commit after one with a higher position. The page's {@link ChangePage#next()} is therefore never past a
     * position that may still commit: a reader that always continues from {@code next} sees every change exactly
     * once, possibly a little later than it committed.
     *
     * <p><b>A reader reaches the head.</b> A page that holds every change of the namespace up to the feed's head has
     * a {@code next} of at least the {@link #head()} read before the call, even when the namespace changed nothing
     * there (positions are shared with other namespaces): an engine waits for its follower to reach a head it read.
     *
     * @param position {@code 0} for the start of the feed, else a {@link ChangePage#next()} or {@link
     *     SharedSnapshot#position()} returned earlier (also to another process: positions are the backend's, one
     *     sequence over every namespace, not a connection's)
     *     (a position from before a change was dropped is refused, see the trimming rules above)
     * @return (in the future) the page, or a {@link FeedTrimmedException} if a delete after {@code position} (not
     *     {@code 0}) was dropped from the feed: the reader must then take a new {@link #snapshot}
     */
    CompletableFuture<ChangePage> changesAfter(String namespace, long position, int limit);

    /**
     * Every record of {@code namespace} as of one instant, and where its feed continues from that instant: every
     * change at or before {@link SharedSnapshot#position()} is reflected in the records, and of the later changes
     * exactly those in {@link SharedSnapshot#included()} are too. A reader that loads the records, then follows
     * {@link #changesAfter} from the position and skips the included ones, applies every later change once and never
     * an older state over a newer one.
     */
    CompletableFuture<SharedSnapshot> snapshot(String namespace);

    /**
     * The position up to which the feed is complete now: what {@link #changesAfter} would reach. For a reader that
     * starts from the current state (after a full load) rather than from the start of the feed.
     */
    CompletableFuture<Long> head();

    /**
     * Registers {@code wakeUp}, run (on a thread of the backend's, briefly) when changes may have been committed
     * after the last call of {@link #changesAfter} (in any namespace). A hint only: it may come late, twice, or, after a lost
     * connection, not at all, so a reader also polls {@link #head()} at an interval of its own. Commits made through
     * this instance need not be hinted: the engine applies its own writes when they are answered, and a reader that
     * must see them ("latest" reads) wakes itself.
     *
     * @return a handle whose {@code close()} removes {@code wakeUp}
     */
    AutoCloseable onChanges(Runnable wakeUp);

    /**
     * Takes the lease of {@code key} for {@code holder} if nobody holds it, or the holder's lease ran out, by the
     * backend's clock.
     *
     * @return the lease, with a fencing token greater than any earlier token of this key; empty if held by another
     */
    CompletableFuture<Optional<Lease>> acquireLease(String namespace, String key, String holder, Duration ttl);

    /**
     * Extends a lease that is still held with this token.
     *
     * @return the renewed lease; empty if it ran out or another holder took it since
     */
    CompletableFuture<Optional<Lease>> renewLease(Lease lease, Duration ttl);

    /**
     * Gives a lease back, if it is still held with this token.
     *
     * @return whether it was still held
     */
    CompletableFuture<Boolean> releaseLease(Lease lease);
}
