package io.github.datastore4j.api;

/** The backend failed to read or write; the cause carries the backend's own error. */
public final class BackendException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message, Throwable cause) {
        super(ErrorCode.BACKEND, message, cause);
    }
}
