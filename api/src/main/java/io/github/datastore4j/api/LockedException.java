package io.github.datastore4j.api;

/** The store, or a key in it, is held by another process or holder. The message names what and, if known, who. */
public final class LockedException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public LockedException(String message) {
        super(ErrorCode.LOCKED, message);
    }

    public LockedException(String message, Throwable cause) {
        super(ErrorCode.LOCKED, message, cause);
    }
}
