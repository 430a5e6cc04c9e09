package io.github.datastore4j.api;

/** An operation needs a key that does not exist, such as changing the metadata of a missing document. */
public final class KeyNotFoundException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public KeyNotFoundException(String message) {
        super(ErrorCode.NOT_FOUND, message);
    }

    public KeyNotFoundException(String message, Throwable cause) {
        super(ErrorCode.NOT_FOUND, message, cause);
    }
}
