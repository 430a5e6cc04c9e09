package io.github.datastore4j.api;

/**
 * An optimistic write ({@link Datastore#put(String, Object, long)}) named a revision that is no longer current.
 * Nothing was written. Re-read the document, re-apply the change and retry with the new revision.
 */
public final class ConflictException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final long expectedRev;
    private final long actualRev;

    public ConflictException(String namespace, String key, long expectedRev, long actualRev) {
        super(
                ErrorCode.CONFLICT,
                "conflict on key '" + key + "' in namespace '" + namespace + "': expected rev " + expectedRev
                        + " but the current rev is " + actualRev
                        + (actualRev == 0 ? " (the key does not exist)" : "")
                        + "; re-read the document and retry");
        this.key = key;
        this.expectedRev = expectedRev;
        this.actualRev = actualRev;
    }

    /** The key the write was for. */
    public String key() {
        return key;
    }

    /** The revision the caller expected. */
    public long expectedRev() {
        return expectedRev;
    }

    /** The revision the key had when the write was refused; {@code 0} if the key did not exist. */
    public long actualRev() {
        return actualRev;
    }
}
