package io.github.datastore4j.api;

/**
 * The stable code carried by every {@link DatastoreException}. Codes never change meaning between releases, so
 * callers may switch on them, log them and alert on them.
 */
public enum ErrorCode {
    /** An optimistic write named a revision that is no longer current, or a copy met different data at its target. */
    CONFLICT,
    /** A wait ran out of time before its condition held. */
    TIMEOUT,
    /** Stored data failed its checksum or does not parse. */
    CORRUPT,
    /** The store, or a key in it, is held by someone else. */
    LOCKED,
    /** A key or namespace name breaks the naming rules. */
    INVALID_KEY,
    /** A value cannot be stored: not representable as JSON, too large, or an arithmetic overflow. */
    INVALID_VALUE,
    /** An operation met a value of the wrong JSON type, such as incrementing a string. */
    WRONG_TYPE,
    /** The backend failed to read or write. */
    BACKEND,
    /** No engine or backend provider serves the requested URI. */
    NO_PROVIDER,
    /** A setting in the URI or the options is unknown or malformed. */
    INVALID_OPTION,
    /** The storage was closed. */
    CLOSED,
    /** A blocking call was interrupted. */
    INTERRUPTED,
    /** A record could not be brought to its namespace's schema version, or is newer than the schema. */
    MIGRATION,
    /** An operation needs a key that does not exist. */
    NOT_FOUND,
    /**
     * A change feed was asked for changes after a position from which it no longer holds all of them (a delete that
     * old was dropped): read it again from {@code 0}.
     */
    TRIMMED
}
