package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

/**
 * A stored entry that cannot be used: a record whose checksum fails, or an entry the backend cannot read as a record
 * at all (a file that does not parse).
 *
 * @param namespace the namespace it is in
 * @param key its key, or null if the entry is too damaged to tell
 * @param location where the backend keeps it (a file name, a row), or null to mean "the record of {@code key}"
 * @param problem what is wrong, for people
 * @param rev the revision of the damaged record as it was read, or {@code 0} if not known (an entry that is not a
 *     record): a {@linkplain SharedBackend shared backend}, where another process may have written a good record since,
 *     moves the record aside only while it still has this revision
 */
public record Damaged(String namespace, String key, String location, String problem, long rev) {
    public Damaged {
        requireNonNull(namespace, "namespace");
        requireNonNull(problem, "problem");
        if (key == null && location == null) {
            throw new IllegalArgumentException("a damaged entry needs a key or a location");
        }
        if (rev < 0) {
            throw new IllegalArgumentException("a damaged record's revision is 0 (not known) or positive: " + rev);
        }
    }

    /** A damaged entry whose revision is not known. */
    public Damaged(String namespace, String key, String location, String problem) {
        this(namespace, key, location, problem, 0);
    }

    /** Key and location, as a message would name them. */
    public String describe() {
        return (key != null ? "key '" + key + "'" : "an entry") + " in namespace '" + namespace + "'"
                + (location != null ? " (" + location + ")" : "");
    }
}
