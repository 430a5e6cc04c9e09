package io.github.datastore4j.engine;

import io.github.datastore4j.api.spi.Mutation;

/**
 * One key's change on its way to the backend under {@code sync} durability: the slot, the value it replaced and the
 * value it set (null for a delete). The commit thread accepts it only if {@code before} is what the backend holds
 * for the key ({@link KeySlot#committed}); a change built on a write that failed is refused, so nothing derived
 * from an unpersisted value ever reaches the backend.
 */
record Change(String namespace, KeySlot slot, StoredValue before, StoredValue after, Runnable undo) {

    Mutation mutation() {
        return after == null
                ? Mutation.delete(namespace, slot.key)
                : Mutation.put(namespace, after.toRecord(namespace));
    }
}
