package io.github.datastore4j.api;

/**
 * An operation met a stored value of the wrong JSON type, such as {@code increment} on a string or {@code push} on
 * an object. Nothing was changed.
 */
public final class WrongTypeException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public WrongTypeException(String message) {
        super(ErrorCode.WRONG_TYPE, message);
    }
}
