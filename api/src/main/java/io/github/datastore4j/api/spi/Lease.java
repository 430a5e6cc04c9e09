package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A key's lease as a {@link SharedBackend} granted it.
 *
 * @param namespace the namespace
 * @param key the key
 * @param holder who holds it, as the acquirer named itself (for messages)
 * @param token the fencing token: grows with every grant of this key, so a write carrying an older one is refused
 * @param expiresAt when it runs out, by the backend's clock
 */
public record Lease(String namespace, String key, String holder, long token, Instant expiresAt) {
    public Lease {
        requireNonNull(namespace, "namespace");
        requireNonNull(key, "key");
        requireNonNull(holder, "holder");
        requireNonNull(expiresAt, "expiresAt");
        if (token <= 0) {
            throw new IllegalArgumentException("a lease token is positive: " + token);
        }
    }
}
