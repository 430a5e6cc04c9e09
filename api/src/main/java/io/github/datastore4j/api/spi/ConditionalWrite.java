package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.LockedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One mutation of a {@link SharedBackend#writeConditionally} batch and what must hold for it to commit.
 *
 * @param mutation the change
 * @param expectedRev {@link #ANY_REV} for no condition, {@link #ABSENT} if the key must have no record, else the
 *     revision its record must have
 * @param fencingToken {@link #NO_FENCE} for a write outside any lease, which is refused ({@code fenced}) while a lease
 *     that has not run out covers the key — a session in any process keeps the key to itself; or the token of a
 *     {@link Lease} on the key that must still be the key's current lease when the write commits (checked in the same
 *     transaction, so a holder whose lease ran out cannot write late)
 */
public record ConditionalWrite(Mutation mutation, long expectedRev, long fencingToken) {
    /** No condition on the revision. */
    public static final long ANY_REV = -1;
    /** The key must have no record. */
    public static final long ABSENT = 0;
    /** Written outside any lease: refused while a live lease covers the key. */
    public static final long NO_FENCE = 0;

    public ConditionalWrite {
        requireNonNull(mutation, "mutation");
        if (expectedRev < ANY_REV) {
            throw new IllegalArgumentException("expectedRev must be ANY_REV, ABSENT or a revision: " + expectedRev);
        }
        if (fencingToken < NO_FENCE) {
            throw new IllegalArgumentException("fencingToken must be NO_FENCE or a lease token: " + fencingToken);
        }
    }

    /** {@code mutation} if the key's record has revision {@code expectedRev} ({@link #ABSENT}: no record). */
    public static ConditionalWrite expecting(Mutation mutation, long expectedRev) {
        return new ConditionalWrite(mutation, expectedRev, NO_FENCE);
    }

    /**
     * An unconditional batch ({@link Backend#write}) as conditional writes, for a shared backend that implements one
     * with the other: each key's last mutation, in the order the keys first appear, at {@link #ANY_REV} without a
     * fencing token.
     */
    public static List<ConditionalWrite> unconditional(List<Mutation> batch) {
        Map<String, Mutation> last = new LinkedHashMap<>();
        for (Mutation mutation : batch) {
            String id = mutation.namespace() + '\0' + mutation.key();
            last.remove(id); // later mutations of a key win
            last.put(id, mutation);
        }
        List<ConditionalWrite> writes = new ArrayList<>(last.size());
        for (Mutation mutation : last.values()) {
            writes.add(new ConditionalWrite(mutation, ANY_REV, NO_FENCE));
        }
        return writes;
    }

    /**
     * The refusal of an unconditional batch ({@link Backend#write} on a shared backend) of which {@code write} is
     * fenced: a session's lease holds its key, and a write outside the session must not replace what the session is
     * working on. A shared backend refuses such a batch whole — nothing of it is written — with this exception.
     *
     * @param batchSize how many writes the refused batch held
     */
    public static LockedException leased(ConditionalWrite write, int batchSize) {
        return new LockedException("key '" + write.mutation().key() + "' of namespace '"
                + write.mutation().namespace() + "' is held by a session's lease: the batch of " + batchSize
                + " unconditional write(s) was refused and nothing of it was written; write after the session ends"
                + " or through it");
    }

    /** Throws {@link #leased} for the first fenced write of {@code result}, an unconditional {@code batch}'s. */
    public static void refuseIfLeased(List<ConditionalWrite> batch, ConditionalResult result) {
        for (ConditionalResult.Conflict conflict : result.conflicts()) {
            if (conflict.fenced()) {
                throw leased(batch.get(conflict.index()), batch.size());
            }
        }
    }

    /**
     * Throws {@link IllegalArgumentException} if {@code batch} writes a key twice: {@link
     * SharedBackend#writeConditionally} takes at most one write per key.
     */
    public static void requireOneWritePerKey(List<ConditionalWrite> batch) {
        Set<String> seen = new HashSet<>();
        for (ConditionalWrite write : batch) {
            String key = write.mutation().namespace() + '\0' + write.mutation().key();
            if (!seen.add(key)) {
                throw new IllegalArgumentException(
                        "a conditional batch writes key '" + write.mutation().key() + "' of namespace '"
                                + write.mutation().namespace() + "' twice; at most one write per key");
            }
        }
    }
}
