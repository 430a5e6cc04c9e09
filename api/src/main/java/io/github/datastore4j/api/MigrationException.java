package io.github.datastore4j.api;

/**
 * A namespace could not be brought to its {@link Schema}'s version: a migration step threw or returned nothing, or a
 * record is newer than the schema knows. Nothing of the namespace was opened and the record is stored as it was.
 */
public final class MigrationException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    private final String namespace;
    private final String key;
    private final int recordVersion;
    private final int step;

    private MigrationException(
            String message, Throwable cause, String namespace, String key, int recordVersion, int step) {
        super(ErrorCode.MIGRATION, message, cause);
        this.namespace = namespace;
        this.key = key;
        this.recordVersion = recordVersion;
        this.step = step;
    }

    /** Step {@code step} (from version {@code step} to {@code step + 1}) failed on {@code key}. */
    public static MigrationException stepFailed(
            String namespace, String key, int recordVersion, int step, Throwable cause) {
        return new MigrationException(
                "migration of key '" + key + "' in namespace '" + namespace + "' failed at step " + step + " → "
                        + (step + 1) + " (record at version " + recordVersion + "): " + cause
                        + "; the stored record is unchanged",
                cause,
                namespace,
                key,
                recordVersion,
                step);
    }

    /** {@code key} was written by newer code than the schema describes: it is not silently downgraded. */
    public static MigrationException tooNew(String namespace, String key, int recordVersion, int schemaVersion) {
        return new MigrationException(
                "key '" + key + "' in namespace '" + namespace + "' has schema version " + recordVersion
                        + " but this code's schema stops at version " + schemaVersion
                        + "; it was written by newer code — open it with that code's schema",
                null,
                namespace,
                key,
                recordVersion,
                -1);
    }

    public String namespace() {
        return namespace;
    }

    public String key() {
        return key;
    }

    /** The schema version the stored record has. */
    public int recordVersion() {
        return recordVersion;
    }

    /** The step that failed (from that version to the next), or -1 when the record is too new. */
    public int step() {
        return step;
    }
}
