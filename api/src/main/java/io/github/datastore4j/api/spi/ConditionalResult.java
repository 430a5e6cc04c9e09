package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * What {@link SharedBackend#writeConditionally} did.
 *
 * @param conflicts the writes that did not commit, in batch order; empty when all committed
 * @param position the feed position of the last change this batch committed, or of the feed's head if none
 * @param positions for each write of the batch, in batch order, the feed position of the change it committed; {@code
 *     0} for a write that did not commit or that changed nothing (a delete of a key with no record). An engine lays
 *     its own committed change over its cache at once, at that position, and skips it when the feed brings it again
 */
public record ConditionalResult(List<Conflict> conflicts, long position, List<Long> positions) {
    public ConditionalResult {
        conflicts = List.copyOf(conflicts);
        positions = List.copyOf(positions);
    }

    /**
     * A write that did not commit.
     *
     * @param index its index in the batch
     * @param found the record the key has (empty if none), which the engine reapplies its operation to
     * @param fenced whether it failed because its lease is no longer the key's lease (then retrying cannot help)
     */
    public record Conflict(int index, Optional<Record> found, boolean fenced) {
        public Conflict {
            requireNonNull(found, "found");
        }
    }
}
