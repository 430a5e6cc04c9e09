package io.github.datastore4j.api;

/**
 * No engine, or no backend for the URI's scheme, was found by {@link java.util.ServiceLoader}. The message lists
 * the schemes that were found and any provider that failed to load.
 */
public final class ProviderNotFoundException extends DatastoreException {
    private static final long serialVersionUID = 1L;

    public ProviderNotFoundException(String message) {
        super(ErrorCode.NO_PROVIDER, message);
    }
}
