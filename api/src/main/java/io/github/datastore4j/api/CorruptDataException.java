package io.github.datastore4j.api;

/** Stored data failed its checksum or does not parse. The message names namespace, key and, where known, file. */
public final class CorruptDataException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public CorruptDataException(String message) {
        super(ErrorCode.CORRUPT, message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(ErrorCode.CORRUPT, message, cause);
    }
}
