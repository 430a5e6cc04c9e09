package io.github.datastore4j.api;

/** A key or namespace name breaks the naming rules; nothing was read or written. */
public final class InvalidKeyException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public InvalidKeyException(String message) {
        super(ErrorCode.INVALID_KEY, message);
    }
}
