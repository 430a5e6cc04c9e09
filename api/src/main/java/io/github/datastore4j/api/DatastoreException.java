package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

/**
 * The base of every error datastore4j raises. It is unchecked and carries a stable {@link #code()}; the message
 * names the key, namespace, file or value that was wrong and, where useful, what to do next.
 *
 * <p>Subclasses exist for the errors a caller is likely to handle ({@link ConflictException},
 * {@link WaitTimeoutException}, …); the rarer codes are raised as a plain {@code DatastoreException}.
 */
public class DatastoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public DatastoreException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public DatastoreException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code");
    }

    /** The stable code of this error. */
    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return getClass().getName() + " [" + code + "]: " + getMessage();
    }
}
