package io.github.datastore4j.api;

/**
 * A damaged record that a storage opened with {@code onCorrupt=quarantine} moved aside instead of failing. Nothing was
 * deleted: {@code movedTo} says where the backend keeps it now.
 *
 * @param namespace the namespace it was in
 * @param key its key, or null if it was too damaged to tell
 * @param problem what was wrong with it
 * @param movedTo where it is now, in the backend's terms (a file, a table)
 */
public record QuarantinedRecord(String namespace, String key, String problem, String movedTo) {}
