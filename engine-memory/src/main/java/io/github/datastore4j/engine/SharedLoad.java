package io.github.datastore4j.engine;

import java.util.Map;
import java.util.Set;

/**
 * A namespace as a shared engine loads it: its values, the feed position of each (of this process's own migration or
 * seed write, else the snapshot's), and where its feed goes on.
 *
 * @param values the namespace's values by key
 * @param positions the feed position of a value this process wrote while opening; other values are at {@code
 *     position}
 * @param position the snapshot's position: the feed is followed from here
 * @param included the later positions the snapshot holds already
 */
record SharedLoad(Map<String, StoredValue> values, Map<String, Long> positions, long position, Set<Long> included) {}
