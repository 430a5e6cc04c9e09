package io.github.datastore4j.api;

import java.time.Duration;

/** A wait ({@code awaitChange}, {@code awaitValue}, …) ran out of time before its condition held. */
public final class WaitTimeoutException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public WaitTimeoutException(String namespace, String key, String condition, Duration timeout) {
        super(
                ErrorCode.TIMEOUT,
                "timed out after " + timeout + " waiting for key '" + key + "' in namespace '" + namespace + "' to "
                        + condition);
    }
}
