package io.github.datastore4j.engine;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.spi.ChangePage;
import io.github.datastore4j.api.spi.ChangePage.Change;
import io.github.datastore4j.api.spi.ConditionalResult;
import io.github.datastore4j.api.spi.ConditionalResult.Conflict;
import io.github.datastore4j.api.spi.ConditionalWrite;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.FeedTrimmedException;
import io.github.datastore4j.api.spi.Lease;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import io.github.datastore4j.api.spi.SharedBackend;
import io.github.datastore4j.api.spi.SharedSnapshot;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A shared store in this JVM's memory, for testing the engine's shared mode without PostgreSQL: one state — records
 * per namespace and key, a change feed with global positions, leases — that any number of {@link
 * SharedMemoryInstance}s open at once, one per simulated process, each a {@link SharedBackend} with its own
 * connection-like hooks (held batches, lost hints, injected failures).
 *
 * <pre>{@code
 * try (SharedMemoryStore store = SharedMemoryStore.create(clock)) {
 *     SharedMemoryInstance one = store.open();
 *     SharedMemoryInstance two = store.open();
 *     SharedMemoryInstance.HeldBatch late = one.holdNextBatch();
 *     var pending = CompletableFuture.supplyAsync(() -> one.writeConditionally(batch).join());
 *     late.awaitHeld(Duration.ofSeconds(10));    // its positions are taken, its keys locked, nothing visible yet
 *     two.writeConditionally(other).join();      // commits with a higher position
 *     two.changesAfter("ns", 0, 100).join();     // stops before the held position
 *     late.release();                            // commits; the feed moves on
 * }
 * }</pre>
 *
 * <p><b>Semantics</b>, those of the reference ({@code backend-postgres}) where the SPI leaves a choice:
 *
 * <ul>
 *   <li>A conditional batch is evaluated and applied under one lock, so it is atomic and linearizable; a fencing token
 *       is checked first (a write whose token is not the key's current, unexpired lease is a {@code fenced} conflict
 *       whatever its revision), then the revision. Each write that changes something takes the next position; a write
 *       that changes nothing (a delete of an absent key expecting {@link ConditionalWrite#ANY_REV} or {@link
 *       ConditionalWrite#ABSENT}) takes none and is not a conflict.
 *   <li>A <b>held</b> batch (see {@link SharedMemoryInstance#holdNextBatch()}) takes its positions and locks its keys,
 *       as row locks would, then waits to commit: reads see the state before it; writes, quarantines and lease calls
 *       on its keys wait until it commits or rolls back (at most {@link #LOCK_TIMEOUT}, then they fail), so each key's
 *       changes commit in position order. The feed's <em>horizon</em> — what {@code changesAfter}, {@code head} and
 *       {@code snapshot} reach — stops before the smallest held position.
 *   <li>A rolled-back held batch (aborted, or its instance closed) leaves its positions unused: the feed has gaps.
 *   <li>{@link SharedBackend#write} and {@link SharedBackend#quarantine} are recorded in the feed (a quarantine as a
 *       delete), so a follower's cache stays equal to the records. Unlike the reference, which records neither for a
 *       store it holds alone.
 *   <li>A page of {@code changesAfter} that is not full continues from the horizon, past positions of other
 *       namespaces; a full one from its last change.
 *   <li>Leases expire by this store's {@link Clock} (inject a {@link ManualClock} to control it): a lease is held
 *       while {@code now < expiresAt}, so a zero TTL grants a lease that has already run out. A holder asking again
 *       for a lease it still holds is refused like anyone else.
 * </ul>
 *
 * <p><b>Names.</b> Every store has a name and is registered under it until {@link #close()}, so {@code
 * sharedmem:<name>} ({@link SharedMemoryStoreProvider}) opens an instance of it.
 *
 * <p><b>Concurrency contract.</b> Thread-safe. One lock guards the whole state and is held only for the short,
 * non-blocking work of one call (copying a namespace out for a scan included, running its sink not); a call waiting
 * for a held batch's keys releases it while it waits. Hints run on each instance's own thread, never under the lock.
 */
final class SharedMemoryStore implements AutoCloseable {
    /** How long a call waits for keys a held batch has locked before it fails, as a database's lock timeout. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    /** How long a held batch waits to be released before it rolls back, so a forgetful test cannot hang forever. */
    static final Duration HOLD_LIMIT = Duration.ofMinutes(5);

    /** The URI scheme of {@link SharedMemoryStoreProvider}. */
    static final String SCHEME = "sharedmem";

    private static final Map<String, SharedMemoryStore> NAMED = new ConcurrentHashMap<>();

    private final String name;
    private final Clock clock;
    private final AtomicInteger instancesOpened = new AtomicInteger();
    private final List<SharedMemoryInstance> instances = new CopyOnWriteArrayList<>();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a held batch ends, releasing its keys and maybe moving the horizon. */
    private final Condition held = lock.newCondition();
    // Everything below is guarded by lock.
    private final Map<String, TreeMap<String, Record>> records = new HashMap<>();
    private final Map<String, TreeMap<Long, Change>> feed = new HashMap<>();
    private final Map<KeyId, Record> quarantined = new HashMap<>();
    private final Map<KeyId, LeaseState> leases = new HashMap<>();
    /** The positions of every held batch, by its smallest one. */
    private final TreeMap<Long, Pending> pending = new TreeMap<>();

    private final Set<KeyId> locked = new HashSet<>();
    /** Calls waiting for a held batch's keys. */
    private int waiting;

    private long lastPosition;
    /** By namespace: the position of the last delete dropped from its feed. */
    private final Map<String, Long> trimmedBelow = new HashMap<>();

    private boolean closed;

    private SharedMemoryStore(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    /** A new store with a name of its own, timed by the system clock. */
    static SharedMemoryStore create() {
        return create(Clock.systemUTC());
    }

    /** A new store with a name of its own whose leases expire by {@code clock}. */
    static SharedMemoryStore create(Clock clock) {
        SharedMemoryStore store = new SharedMemoryStore("store-" + UUID.randomUUID(), requireNonNull(clock, "clock"));
        NAMED.put(store.name, store);
        return store;
    }

    /** The store registered as {@code name}, created with the system clock if there is none. */
    static SharedMemoryStore named(String name) {
        requireNonNull(name, "name");
        return NAMED.computeIfAbsent(name, n -> new SharedMemoryStore(n, Clock.systemUTC()));
    }

    String name() {
        return name;
    }

    /** The URI that opens an instance of this store through {@link SharedMemoryStoreProvider}. */
    String uri() {
        return SCHEME + ":" + name;
    }

    /** A new instance on this store: one process's connection, with its own hooks. */
    SharedMemoryInstance open() {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(
                        "shared-memory store '" + name + "' is closed: cannot open an instance");
            }
            SharedMemoryInstance instance = new SharedMemoryInstance(this, instancesOpened.incrementAndGet());
            instances.add(instance);
            return instance;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The instances open now, in the order they were opened: how a test reaches the hooks of an instance that a
     * {@code Storage.open(store.uri())} opened through {@link SharedMemoryStoreProvider}.
     */
    List<SharedMemoryInstance> instances() {
        return List.copyOf(instances);
    }

    /**
     * Trims the feed as the SPI allows a backend to: drops every change at or before {@code position} that a later
     * change of its key supersedes and, if {@code deletes}, also each key's last change at or before it when that is
     * a delete. A later {@code changesAfter} from a position (not {@code 0}) before a dropped delete fails with {@link
     * FeedTrimmedException}.
     */
    void trimFeed(long position, boolean deletes) {
        lock.lock();
        try {
            long horizon = horizon();
            if (position < 0 || position > horizon) {
                throw new IllegalArgumentException("can trim the feed of shared-memory store '" + name
                        + "' only through a final position, 0 to " + horizon + ": " + position);
            }
            for (Map.Entry<String, TreeMap<Long, Change>> namespace : feed.entrySet()) {
                Map<String, Long> last = new HashMap<>();
                namespace.getValue().values().forEach(change -> last.put(change.key(), change.position()));
                namespace.getValue().headMap(position, true).values().removeIf(change -> {
                    if (last.get(change.key()) != change.position()) {
                        return true;
                    }
                    if (deletes && change.record().isEmpty()) {
                        trimmedBelow.merge(namespace.getKey(), change.position(), Math::max);
                        return true;
                    }
                    return false;
                });
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many calls wait now for keys a held batch has locked: for a test to know a writer is blocked. */
    int waitingForKeys() {
        lock.lock();
        try {
            return waiting;
        } finally {
            lock.unlock();
        }
    }

    /** The records moved aside by quarantine, by namespace and key. */
    Map<String, Record> quarantined() {
        lock.lock();
        try {
            Map<String, Record> copy = new TreeMap<>();
            quarantined.forEach((id, record) -> copy.put(id.namespace() + "/" + id.key(), record));
            return copy;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every instance (rolling back their held batches) and forgets the name. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        instances.forEach(SharedMemoryInstance::close);
        NAMED.remove(name, this);
    }

    @Override
    public String toString() {
        return "shared-memory store '" + name + "'";
    }

    // ---- what instances call; each runs under the lock ----

    Optional<Record> read(String namespace, String key) {
        requireNonNull(namespace, "namespace");
        requireNonNull(key, "key");
        lock.lock();
        try {
            TreeMap<String, Record> stored = records.get(namespace);
            return Optional.ofNullable(stored == null ? null : stored.get(key));
        } finally {
            lock.unlock();
        }
    }

    /** The records of {@code namespace}, in key order, as of now. */
    List<Record> records(String namespace) {
        requireNonNull(namespace, "namespace");
        lock.lock();
        try {
            TreeMap<String, Record> stored = records.get(namespace);
            return stored == null ? List.of() : List.copyOf(stored.values());
        } finally {
            lock.unlock();
        }
    }

    Set<String> namespaces() {
        lock.lock();
        try {
            return new TreeSet<>(records.keySet());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Commits the writes of {@code batch} whose conditions hold; if it commits a change and {@code hold} supplies a
     * hold, takes the positions, locks the keys and waits for the hold to be decided before anything is visible.
     *
     * @param hold taken (under the lock) only by a batch that commits a change, so a batch of conflicts leaves it armed
     */
    ConditionalResult writeConditionally(List<ConditionalWrite> batch, Supplier<SharedMemoryInstance.HeldBatch> hold)
            throws IOException {
        requireNonNull(batch, "batch");
        Set<KeyId> keys = new HashSet<>();
        for (ConditionalWrite write : batch) {
            KeyId id = KeyId.of(requireNonNull(write, "write").mutation());
            if (!keys.add(id)) {
                throw new IllegalArgumentException("a conditional batch writes key '" + id.key() + "' of namespace '"
                        + id.namespace() + "' twice; at most one write per key");
            }
        }
        Pending open;
        SharedMemoryInstance.HeldBatch decision;
        lock.lock();
        try {
            awaitUnlocked(keys, "write");
            List<Conflict> conflicts = new ArrayList<>();
            List<Change> positioned = new ArrayList<>();
            Long[] positions = new Long[batch.size()];
            java.util.Arrays.fill(positions, 0L);
            Instant now = clock.instant();
            for (int i = 0; i < batch.size(); i++) {
                ConditionalWrite write = batch.get(i);
                Mutation mutation = write.mutation();
                KeyId id = KeyId.of(mutation);
                Optional<Record> current = Optional.ofNullable(recordOf(id));
                if (!fenceHolds(id, write.fencingToken(), now)) {
                    conflicts.add(new Conflict(i, current, true));
                    continue;
                }
                long expected = write.expectedRev();
                boolean isPut = mutation instanceof Mutation.Put;
                if (!isPut && current.isEmpty() && !namesRevision(expected)) {
                    continue; // deleting an absent key, as asked (any revision, or absent): no change, no conflict
                }
                boolean holds = expected == ConditionalWrite.ANY_REV
                        || (expected == ConditionalWrite.ABSENT
                                ? current.isEmpty()
                                : current.isPresent() && current.get().rev() == expected);
                if (!holds) {
                    conflicts.add(new Conflict(i, current, false));
                    continue;
                }
                Optional<Record> written = isPut ? Optional.of(((Mutation.Put) mutation).record()) : Optional.empty();
                positioned.add(new Change(++lastPosition, id.namespace(), id.key(), written));
                positions[i] = lastPosition;
            }
            decision = positioned.isEmpty() ? null : hold.get();
            long position = positioned.isEmpty()
                    ? horizon()
                    : positioned.get(positioned.size() - 1).position();
            ConditionalResult result = new ConditionalResult(conflicts, position, List.of(positions));
            if (decision == null) {
                apply(positioned);
                if (!positioned.isEmpty()) {
                    hintAll();
                }
                return result;
            }
            open = new Pending(positioned, keys, result);
            pending.put(positioned.get(0).position(), open);
            locked.addAll(keys);
            decision.held(positioned.stream().map(Change::position).toList());
        } finally {
            lock.unlock();
        }
        return awaitDecision(open, decision);
    }

    /** Whether {@code expected} names a revision (so a delete of an absent key is a conflict). */
    private static boolean namesRevision(long expected) {
        return expected > ConditionalWrite.ABSENT;
    }

    /** Waits for the held batch's decision, then commits or rolls it back and lets its keys go. */
    private ConditionalResult awaitDecision(Pending open, SharedMemoryInstance.HeldBatch decision) throws IOException {
        boolean commit = decision.awaitDecision(HOLD_LIMIT);
        lock.lock();
        try {
            pending.remove(open.changes().get(0).position());
            locked.removeAll(open.keys());
            if (commit) {
                apply(open.changes());
            }
            held.signalAll();
            hintAll();
        } finally {
            lock.unlock();
        }
        if (!commit) {
            throw new SharedMemoryInstance.ConnectionLostException(
                    "the held batch at positions " + open.changes().get(0).position() + " to "
                            + open.result().position() + " of " + this + " rolled back: " + decision.rollbackReason());
        }
        return open.result();
    }

    /**
     * Unconditional: later mutations of a key win, every change is recorded in the feed; refused whole while a live
     * lease holds one of its keys (checked under the lock, before anything is written).
     */
    void write(List<Mutation> batch) throws IOException {
        requireNonNull(batch, "batch");
        batch.forEach(mutation -> requireNonNull(mutation, "mutation"));
        List<ConditionalWrite> writes = ConditionalWrite.unconditional(batch);
        lock.lock();
        try {
            awaitUnlocked(writes.stream().map(w -> KeyId.of(w.mutation())).collect(Collectors.toSet()), "write");
            Instant now = clock.instant();
            for (ConditionalWrite write : writes) {
                if (!fenceHolds(KeyId.of(write.mutation()), ConditionalWrite.NO_FENCE, now)) {
                    throw ConditionalWrite.leased(write, writes.size());
                }
            }
            writeConditionally(writes, () -> null); // the lock is re-entrant: nothing changes in between
        } finally {
            lock.unlock();
        }
    }

    String quarantine(Damaged entry) throws IOException {
        requireNonNull(entry, "entry");
        if (entry.key() != null) {
            KeyId id = new KeyId(entry.namespace(), entry.key());
            String stayed = null;
            lock.lock();
            try {
                awaitUnlocked(Set.of(id), "quarantine");
                Record record = recordOf(id);
                LeaseState lease = leases.get(id);
                if (record == null) {
                    stayed = "nothing: key '" + entry.key() + "' has no record any more";
                } else if (entry.rev() != 0 && record.rev() != entry.rev()) {
                    stayed = "nothing: key '" + entry.key() + "' was written since, it holds revision " + record.rev();
                } else if (lease != null && lease.heldAt(clock.instant())) {
                    stayed = "nothing: key '" + entry.key() + "' is held by a live lease";
                } else {
                    quarantined.put(id, record);
                    apply(List.of(new Change(++lastPosition, id.namespace(), id.key(), Optional.empty())));
                }
            } finally {
                lock.unlock();
            }
            if (stayed != null) {
                return stayed;
            }
            hintAll();
        }
        return "the quarantine of " + this;
    }

    ChangePage changesAfter(String namespace, long position, int limit) {
        requireNonNull(namespace, "namespace");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        lock.lock();
        try {
            if (position < 0 || position > lastPosition) {
                throw new IllegalArgumentException("position " + position + " was never returned by " + this
                        + ", whose feed is at 0 to " + lastPosition);
            }
            long below = trimmedBelow.getOrDefault(namespace, 0L);
            if (position != 0 && position < below) {
                throw new FeedTrimmedException(
                        "position " + position + " is older than " + this + " keeps for namespace '" + namespace
                                + "' (a delete at " + below + " was dropped): take a new snapshot",
                        position,
                        below);
            }
            long horizon = horizon();
            List<Change> page = new ArrayList<>();
            TreeMap<Long, Change> changes = feed.get(namespace);
            if (changes != null && position < horizon) {
                for (Change change :
                        changes.subMap(position, false, horizon, true).values()) {
                    if (page.size() == limit) {
                        break;
                    }
                    page.add(change);
                }
            }
            long next = page.size() == limit ? page.get(page.size() - 1).position() : Math.max(position, horizon);
            return new ChangePage(page, next);
        } finally {
            lock.unlock();
        }
    }

    SharedSnapshot snapshot(String namespace) {
        requireNonNull(namespace, "namespace");
        lock.lock();
        try {
            long horizon = horizon();
            TreeMap<String, Record> stored = records.get(namespace);
            TreeMap<Long, Change> changes = feed.get(namespace);
            Set<Long> included = changes == null
                    ? Set.of()
                    : new HashSet<>(changes.tailMap(horizon, false).keySet());
            return new SharedSnapshot(stored == null ? List.of() : List.copyOf(stored.values()), horizon, included);
        } finally {
            lock.unlock();
        }
    }

    long head() {
        lock.lock();
        try {
            return horizon();
        } finally {
            lock.unlock();
        }
    }

    Optional<Lease> acquireLease(String namespace, String key, String holder, Duration ttl) throws IOException {
        requireNonNull(holder, "holder");
        KeyId id = new KeyId(requireNonNull(namespace, "namespace"), requireNonNull(key, "key"));
        requireTtl(ttl);
        lock.lock();
        try {
            awaitUnlocked(Set.of(id), "acquire the lease of");
            Instant now = clock.instant();
            LeaseState current = leases.get(id);
            if (current != null && current.heldAt(now)) {
                return Optional.empty();
            }
            long token = current == null ? 1 : current.token() + 1;
            LeaseState granted = new LeaseState(holder, token, now.plus(ttl));
            leases.put(id, granted);
            return Optional.of(new Lease(namespace, key, holder, token, granted.expiresAt()));
        } finally {
            lock.unlock();
        }
    }

    Optional<Lease> renewLease(Lease lease, Duration ttl) throws IOException {
        requireNonNull(lease, "lease");
        requireTtl(ttl);
        KeyId id = new KeyId(lease.namespace(), lease.key());
        lock.lock();
        try {
            awaitUnlocked(Set.of(id), "renew the lease of");
            Instant now = clock.instant();
            LeaseState current = leases.get(id);
            if (current == null || current.token() != lease.token() || !current.heldAt(now)) {
                return Optional.empty();
            }
            LeaseState renewed = new LeaseState(current.holder(), current.token(), now.plus(ttl));
            leases.put(id, renewed);
            return Optional.of(new Lease(lease.namespace(), lease.key(), lease.holder(), lease.token(), now.plus(ttl)));
        } finally {
            lock.unlock();
        }
    }

    boolean releaseLease(Lease lease) throws IOException {
        requireNonNull(lease, "lease");
        KeyId id = new KeyId(lease.namespace(), lease.key());
        lock.lock();
        try {
            awaitUnlocked(Set.of(id), "release the lease of");
            Instant now = clock.instant();
            LeaseState current = leases.get(id);
            if (current == null || current.token() != lease.token() || !current.heldAt(now)) {
                return false;
            }
            leases.put(id, new LeaseState(current.holder(), current.token(), now)); // the token stays, for the next
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Called by an instance's close: it no longer gets hints. */
    void forget(SharedMemoryInstance instance) {
        instances.remove(instance);
    }

    // ---- internals, under the lock ----

    private static void requireTtl(Duration ttl) {
        requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a lease's ttl must not be negative: " + ttl);
        }
    }

    /** The position up to which the feed is final: before the smallest held position, else the last one taken. */
    private long horizon() {
        return pending.isEmpty() ? lastPosition : pending.firstKey() - 1;
    }

    private Record recordOf(KeyId id) {
        TreeMap<String, Record> stored = records.get(id.namespace());
        return stored == null ? null : stored.get(id.key());
    }

    /** A write outside a lease holds while no live lease covers the key; a lease's write while that lease is live. */
    private boolean fenceHolds(KeyId id, long token, Instant now) {
        LeaseState lease = leases.get(id);
        if (token == ConditionalWrite.NO_FENCE) {
            return lease == null || !lease.heldAt(now);
        }
        return lease != null && lease.token() == token && lease.heldAt(now);
    }

    /** Makes {@code changes} visible: records and feed at once (the caller holds the lock). */
    private void apply(List<Change> changes) {
        for (Change change : changes) {
            KeyId id = new KeyId(change.namespace(), change.key());
            if (change.record().isPresent()) {
                records.computeIfAbsent(id.namespace(), n -> new TreeMap<>())
                        .put(id.key(), change.record().get());
            } else {
                TreeMap<String, Record> stored = records.get(id.namespace());
                if (stored != null) {
                    stored.remove(id.key());
                    if (stored.isEmpty()) {
                        records.remove(id.namespace());
                    }
                }
            }
            feed.computeIfAbsent(id.namespace(), n -> new TreeMap<>()).put(change.position(), change);
        }
    }

    /** Waits, releasing the lock, until no held batch has locked one of {@code keys}. */
    private void awaitUnlocked(Set<KeyId> keys, String what) throws IOException {
        long left = LOCK_TIMEOUT.toNanos();
        KeyId blocked;
        while ((blocked = firstLocked(keys)) != null) {
            if (left <= 0) {
                throw new IOException("lock timeout: could not " + what + " key '" + blocked.key() + "' of namespace '"
                        + blocked.namespace() + "' of " + this + ", locked by a held batch for " + LOCK_TIMEOUT
                        + " (release it, or write it from another thread)");
            }
            waiting++;
            try {
                left = held.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting to " + what + " key '" + blocked.key() + "'", e);
            } finally {
                waiting--;
            }
        }
    }

    private KeyId firstLocked(Set<KeyId> keys) {
        if (locked.isEmpty()) {
            return null;
        }
        for (KeyId id : keys) {
            if (locked.contains(id)) {
                return id;
            }
        }
        return null;
    }

    /** Wakes every instance's listeners; never blocks (each instance hands the hint to its own thread). */
    private void hintAll() {
        instances.forEach(SharedMemoryInstance::hint);
    }

    /** A key of a namespace. */
    private record KeyId(String namespace, String key) {
        static KeyId of(Mutation mutation) {
            return new KeyId(mutation.namespace(), mutation.key());
        }
    }

    /** A key's lease: the last token granted, and until when it is held (a release ends it now). */
    private record LeaseState(String holder, long token, Instant expiresAt) {
        boolean heldAt(Instant now) {
            return now.isBefore(expiresAt);
        }
    }

    /** A held batch: its changes with their positions, the keys it locked, and what it will return. */
    private record Pending(List<Change> changes, Set<KeyId> keys, ConditionalResult result) {}

    /**
     * A clock that only moves when told to, for lease expiry in tests.
     *
     * <p><b>Concurrency contract.</b> Thread-safe: {@link #advance} may run concurrently with readers.
     */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        ManualClock(Instant start) {
            this.now = new AtomicReference<>(requireNonNull(start, "start"));
        }

        /** A clock at an arbitrary fixed instant. */
        ManualClock() {
            this(Instant.parse("2030-01-01T00:00:00Z"));
        }

        /** Moves the clock forward by {@code step}. */
        void advance(Duration step) {
            if (step.isNegative()) {
                throw new IllegalArgumentException("a clock only moves forward: " + step);
            }
            now.updateAndGet(at -> at.plus(step));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("a ManualClock is UTC only");
        }
    }
}
