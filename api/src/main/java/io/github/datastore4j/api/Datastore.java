package io.github.datastore4j.api;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON values under string keys in one namespace, with atomic operations, revisions and blocking waits.
 *
 * <pre>{@code
 * try (Storage storage = Storage.open("memory:")) {
 *     Datastore jobs = storage.datastore("swarm_job_123");
 *     jobs.set("completed", 0);
 *     // workers, on other threads: jobs.increment("completed", 1);
 *     jobs.awaitValue("completed", 5, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Atomic per key.</b> Every operation on a key is atomic: no other change to that key interleaves with it.
 *       Operations on one key take effect one at a time in the order they arrive; operations on different keys run
 *       in parallel. Nothing else is atomic across keys: {@link #clear()} and {@link #queryKeys} see and change each
 *       key atomically, not all keys at one instant. {@link #snapshot()} is the exception: it is consistent.
 *   <li><b>Linearizable reads.</b> A read returns the latest change that has taken effect; a thread always reads
 *       its own writes.
 *   <li><b>Isolated values.</b> Values are copied on the way in and out; changing an object you passed in or got
 *       back never changes what is stored.
 *   <li><b>Revisions.</b> Each change moves the key's {@link Document#rev() rev} up by one; {@link #put(String,
 *       Object, long)} writes only if the rev is the one you read.
 *   <li><b>Durability</b> follows the storage's {@link Durability}: with {@code SYNC} a write returns after the
 *       backend committed it.
 *   <li><b>Waits</b> are woken by the change itself, never by polling, and never miss a change: a condition that is
 *       already true returns at once.
 * </ul>
 *
 * <p>Values are anything Jackson maps to JSON: {@link JsonNode}, records, POJOs, {@code Map}, {@code List},
 * strings, numbers, booleans. Java {@code null} is refused (store {@code NullNode} for JSON null, or
 * {@link #delete}). A value whose JSON is larger than {@link StorageOptions#maxValueBytes()} is refused with
 * {@link ErrorCode#INVALID_VALUE}, and so is a value that could not be read back: nested deeper than 500 arrays and
 * objects, a number longer than 1,000 characters, a property name longer than 50,000, or NaN or ±Infinity.
 *
 * <p>Functions passed to {@link #update}, predicates passed to waits and {@link ChangeListener}s run while a key is
 * held: keep them short. From inside them every <em>blocking</em> call of this interface that writes, waits, saves or
 * loads — for any key, busy or idle — fails with {@link IllegalStateException} before anything is queued, so it never
 * takes effect; reads ({@code get}, {@code getDocument}, {@code contains}, {@code size}, {@code queryKeys}) are
 * allowed, and so are {@link #async()} calls, whose writes run after the current operation.
 *
 * <p>Errors: keys breaking {@link io.github.datastore4j.api.spi.Names}' rules raise {@link InvalidKeyException}
 * before anything is read or written; a closed storage raises a {@link ErrorCode#CLOSED} error; backend failures
 * raise {@link BackendException}. Thread-safe; obtain instances from {@link Storage#datastore(String)}.
 */
public interface Datastore {

    /** The name of this namespace. */
    String namespace();

    /** The same store with non-blocking, {@link java.util.concurrent.CompletableFuture}-returning operations. */
    AsyncDatastore async();

    /** A copy of the value of {@code key}, or empty if it does not exist. */
    Optional<JsonNode> get(String key);

    /**
     * The value of {@code key} mapped to {@code type}, or empty if it does not exist.
     *
     * @throws WrongTypeException if the value does not map to {@code type}
     */
    <T> Optional<T> get(String key, Class<T> type);

    /**
     * The value mapped to a generic type, which a {@code Class} cannot name: {@code List<Result>} has {@code Result}
     * elements, not maps.
     *
     * <pre>{@code
     * Optional<List<Result>> results = store.get("results", new TypeReference<List<Result>>() {});
     * }</pre>
     *
     * @throws WrongTypeException if the value does not map to {@code type}
     */
    <T> Optional<T> get(String key, TypeReference<T> type);

    /** The document of {@code key} (value, rev, schema version), or empty if it does not exist. */
    Optional<Document> getDocument(String key);

    /**
     * The document of {@code key} as committed by any process up to this call, or empty if it does not exist. On a
     * store shared between processes, the reads above come from this process's cache, which has every write of this
     * process at once and other processes' writes as the change feed brings them (see the README's section on
     * sharing a store): this read first asks the backend where its feed ends and waits until the cache holds
     * everything up to there — a round trip and the feed's delay, not a read of the data. On a store of one process
     * it is {@link #getDocument}.
     *
     * @throws BackendException if the backend cannot be reached
     */
    Optional<Document> getLatest(String key);

    /**
     * Up to {@code limit} changes of this namespace committed by any process after {@code since} ({@code 0}: from
     * the start of the feed), for a reader that must see every change once and resume after a restart — a search
     * index, a cache elsewhere, an audit log. Keep {@link ChangesPage#next()} with what you did with the page, and
     * continue from it. No change is skipped, also when transactions commit out of order; a page may come back empty
     * while a change before it is still committing.
     *
     * <p>A shared store keeps its feed small: once a key has changed again, its older changes may be dropped after
     * a while (a reader that far behind gets the key's latest change, not every state between), and a delete's
     * change is dropped after a longer while (see the backend's settings). Reading from {@code 0} always gives every
     * key's latest change, so a reader told {@link ErrorCode#TRIMMED} rebuilds from {@code 0}.
     *
     * @throws UnsupportedOperationException on a store of one process, which keeps no change feed (use {@link
     *     #subscribe} there)
     * @throws IllegalArgumentException if {@code since} is negative or {@code limit} is not positive
     * @throws DatastoreException with {@link ErrorCode#TRIMMED} if a delete after {@code since} was dropped from the
     *     feed: the reader missed it and must start again from {@code 0}
     * @throws BackendException if the backend cannot be reached
     */
    ChangesPage changes(long since, int limit);

    /**
     * A copy of the metadata of {@code key} — a JSON object, empty if it has none, with the schema's {@link
     * Schema#metadataTemplate() metadata defaults} filled in — or empty if the key does not exist.
     */
    Optional<ObjectNode> getMetadata(String key);

    /**
     * Atomically replaces the metadata of {@code key} with {@code function(current)}, leaving the value as it is, and
     * returns the new document. Like every change it raises the revision by one and wakes waiters of the key. The
     * function gets a private copy it may change and return; if it throws, nothing changes.
     *
     * @throws KeyNotFoundException if the key does not exist: metadata lives beside a value
     * @throws DatastoreException with {@link ErrorCode#INVALID_VALUE} if the function returns {@code null}
     */
    Document updateMetadata(String key, UnaryOperator<ObjectNode> function);

    /**
     * Replaces the metadata of {@code key} with {@code metadata} (mapped with Jackson to a JSON object), leaving the
     * value as it is. See {@link #updateMetadata(String, UnaryOperator)}.
     *
     * @throws KeyNotFoundException if the key does not exist
     * @throws DatastoreException with {@link ErrorCode#INVALID_VALUE} if {@code metadata} does not map to a JSON
     *     object
     */
    Document setMetadata(String key, Object metadata);

    /** Whether {@code key} exists. */
    boolean contains(String key);

    /** The number of keys. */
    int size();

    /** Stores {@code value} under {@code key}, creating or replacing it; returns the new document. */
    Document set(String key, Object value);

    /**
     * Stores each value under its key, as {@link #set} would, sent to the backend together so that they commit in
     * large groups; returns once every one is committed (as the durability mode says), the new documents in the map's
     * iteration order.
     *
     * <p>Every key and value is checked and encoded first: a bad one fails the call naming it, with nothing written.
     * Each key is set atomically, and the map is not one transaction: another caller may see some keys set before the
     * others, and if the backend fails a commit, the keys of the commits before it stay set (the exception says which
     * commit failed). Listeners and waiters hear each key's change, as for {@link #set}.
     *
     * @throws InvalidKeyException naming the first bad key; nothing is written
     * @throws DatastoreException with {@link ErrorCode#INVALID_VALUE} naming the key of the first value that cannot
     *     be stored; nothing is written
     */
    Map<String, Document> setAll(Map<String, ?> values);

    /**
     * Stores a stream of entries too large to hold at once, in chunks of {@code 10,000}: each chunk is checked, sent
     * as {@link #setAll(Map)} sends a map, and committed before the next is read, so memory stays bounded by a chunk.
     * A later entry of a key in one chunk wins over an earlier one.
     *
     * @return how many keys were set (a key repeated within one chunk counts once)
     * @throws InvalidKeyException or {@link DatastoreException} ({@code INVALID_VALUE}) for a bad entry: the chunks
     *     before its chunk are stored, nothing of its own chunk is
     */
    long setAll(Stream<? extends Map.Entry<String, ?>> entries);

    /** Stores {@code value} only if {@code key} does not exist; returns whether this call stored it. */
    boolean setOnce(String key, Object value);

    /**
     * Adds {@code delta} to the integer stored under {@code key} (0 if absent) and returns the new value.
     *
     * @throws WrongTypeException if the value is not an integer that fits a {@code long}; nothing changes
     * @throws DatastoreException with {@link ErrorCode#INVALID_VALUE} if the sum overflows a {@code long}
     */
    long increment(String key, long delta);

    /**
     * Adds {@code delta} to the number stored under {@code key} (0 if absent) and returns the new value, stored as a
     * floating-point number.
     *
     * @throws WrongTypeException if the value is not a number; nothing changes
     * @throws IllegalArgumentException if {@code delta} is NaN or infinite
     */
    double increment(String key, double delta);

    /**
     * Appends {@code item} to the array stored under {@code key} (an empty array if absent) and returns the new
     * length.
     *
     * @throws WrongTypeException if the value is not an array; nothing changes
     */
    int push(String key, Object item);

    /**
     * Atomically replaces the value of {@code key} with {@code function(current)} and returns the new document. The
     * function gets a private copy of the value that it may change and return; if the key does not exist, a copy of
     * the namespace's {@link Schema#template() template}, or without one {@code MissingNode} (test it with {@code
     * isMissingNode()}). If it throws, nothing changes and the exception reaches the caller — except a {@code
     * ClassCastException} on that {@code MissingNode}, which becomes a {@link KeyNotFoundException} saying the key does
     * not exist.
     *
     * <pre>{@code
     * store.update("profile", v -> (v.isMissingNode() ? JsonNodeFactory.instance.objectNode() : (ObjectNode) v)
     *         .put("visits", v.path("visits").asInt() + 1));
     * }</pre>
     *
     * @throws DatastoreException with {@code INVALID_VALUE} if the function returns {@code null} or {@code MissingNode}
     */
    Document update(String key, UnaryOperator<JsonNode> function);

    /**
     * Like {@link #update(String, UnaryOperator)}, with the value mapped to {@code type}. For a key that does not exist
     * (and no {@link Schema#template() template}) the function gets the empty JSON object mapped to {@code type} when
     * the type maps from an object — a POJO, a record, a {@code Map} — and {@code null} otherwise ({@code Integer},
     * {@code String}, {@code List}…); a {@code NullPointerException} it then throws becomes a
     * {@link KeyNotFoundException} saying the key does not exist.
     *
     * <pre>{@code
     * store.update("alice", User.class, user -> user.withVisits(user.visits() + 1)); // a missing alice starts as {}
     * }</pre>
     *
     * @throws DatastoreException with {@code INVALID_VALUE} if the function returns {@code null}
     */
    <T> Document update(String key, Class<T> type, UnaryOperator<T> function);

    /**
     * Like {@link #update(String, Class, UnaryOperator)}, with the value mapped to a generic type.
     *
     * <pre>{@code
     * store.update("scores", new TypeReference<Map<String, Integer>>() {}, scores -> { scores.merge("ann", 1, Integer::sum); return scores; });
     * }</pre>
     */
    <T> Document update(String key, TypeReference<T> type, UnaryOperator<T> function);

    /**
     * Stores {@code value} only if the current rev of {@code key} is {@code expectedRev} ({@code 0}: the key must not
     * exist); returns the new document.
     *
     * @throws ConflictException with both revisions if the rev differs; nothing changes
     */
    Document put(String key, Object value, long expectedRev);

    /** Removes {@code key}; returns whether it existed. */
    boolean delete(String key);

    /** Removes every key, each atomically; returns how many were removed. */
    int clear();

    /**
     * Blocks until {@code key} next changes; returns its new document, or empty if the change deleted it. "Next" is
     * relative to the state at the call: a change that takes effect after the call starts is reported even if it was
     * queued before, so reading a document and then waiting for its change never misses one.
     */
    Optional<Document> awaitChange(String key);

    /**
     * Like {@link #awaitChange(String)}, giving up after {@code timeout}.
     *
     * @throws WaitTimeoutException naming the key if nothing changed in time
     */
    Optional<Document> awaitChange(String key, Duration timeout);

    /**
     * Blocks until {@code key} holds a value equal to {@code expected} as JSON (numbers compare by value, so
     * {@code 5} equals {@code 5.0}); returns at once if it already does.
     */
    Document awaitValue(String key, Object expected);

    /**
     * Like {@link #awaitValue(String, Object)}, giving up after {@code timeout}.
     *
     * @throws WaitTimeoutException naming the key and the expected value
     */
    Document awaitValue(String key, Object expected, Duration timeout);

    /** Blocks until {@code key} exists with a value matching {@code condition}; returns at once if it already does. */
    Document awaitMatch(String key, Predicate<? super JsonNode> condition);

    /**
     * Like {@link #awaitMatch(String, Predicate)}, giving up after {@code timeout}.
     *
     * @throws WaitTimeoutException naming the key
     */
    Document awaitMatch(String key, Predicate<? super JsonNode> condition, Duration timeout);

    /** Blocks until {@code key} holds an array of at least {@code minSize} items. */
    Document awaitSize(String key, int minSize);

    /**
     * Blocks until {@code key} holds an array whose size matches {@code sizeCondition}, giving up after
     * {@code timeout}.
     *
     * @throws WaitTimeoutException naming the key
     */
    Document awaitSize(String key, IntPredicate sizeCondition, Duration timeout);

    /** Like {@link #awaitSize(String, int)}, giving up after {@code timeout}. */
    Document awaitSize(String key, int minSize, Duration timeout);

    /**
     * Takes exclusive editing of {@code key} for {@code lease}, waiting up to {@code wait} while another session holds
     * it. See {@link Session} for what the lease guarantees.
     *
     * @throws LockedException if the key is still held when {@code wait} runs out, naming the holder's token
     * @throws IllegalArgumentException if {@code lease} is not positive
     */
    Session acquire(String key, Duration lease, Duration wait);

    /** {@link #acquire(String, Duration, Duration)} that fails at once if the key is held. */
    default Session acquire(String key, Duration lease) {
        return acquire(key, lease, Duration.ZERO);
    }

    /** One page of keys, in key order, as {@code query} describes. */
    Page queryKeys(KeyQuery query);

    /**
     * An immutable copy of every document, by key in key order, all as they were at one instant: no change to any key
     * is half seen, and a change seen implies every change that took effect before it is seen too. Writers pause
     * while the references are copied.
     */
    SortedMap<String, Document> snapshot();

    /**
     * Registers {@code listener} for every later change of this namespace, then reports the current state of every
     * existing key to it, each through that key's queue so it is ordered with concurrent changes of the key. Returns
     * once every existing key was reported. This is how views are kept up to date: a listener that treats each call as
     * "this key is now this" ends consistent with the store whatever runs concurrently.
     *
     * @return a handle whose {@code close()} stops the calls, and throws nothing
     */
    Subscription subscribe(ChangeListener listener);

    /** Writes every change not yet in the backend and returns once the backend committed them. */
    void save();

    /**
     * Replaces what this namespace holds in memory with what the backend holds, waking waiters of every key that
     * changed. Changes not yet saved are lost.
     *
     * @throws CorruptDataException naming namespace and key if a record fails its checksum; nothing changes then
     */
    void load();
}
