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
 */
public record Damaged(String namespace, String key, String location, String problem) {
    public Damaged {
        requireNonNull(namespace, "namespace");
        requireNonNull(problem, "problem");
        if (key == null && location == null) {
            throw new IllegalArgumentException("a damaged entry needs a key or a location");
        }
    }

    /** Key and location, as a message would name them. */
    public String describe() {
        return (key != null ? "key '" + key + "'" : "an entry") + " in namespace '" + namespace + "'"
                + (location != null ? " (" + location + ")" : "");
    }
}
