package io.github.datastore4j.engine;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque cursor of a key-range page: the direction and the last key returned, base64url-encoded. Resuming
 * strictly after a key (keyset pagination) keeps paging stable while others write.
 */
final class KeyCursor {
    private KeyCursor() {}

    static String encode(String lastKey, boolean descending) {
        String raw = (descending ? "d:" : "a:") + lastKey;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The last key of the page the cursor came from.
     *
     * @throws IllegalArgumentException if the cursor is malformed or came from a query of the other direction
     */
    static String decode(String cursor, boolean descending) {
        String raw;
        try {
            raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cursor '" + cursor + "' is not a cursor returned by queryKeys", e);
        }
        String prefix = descending ? "d:" : "a:";
        if (!raw.startsWith(prefix)) {
            throw new IllegalArgumentException("cursor '" + cursor + "' was not returned by a "
                    + (descending ? "descending" : "ascending") + " query");
        }
        return raw.substring(2);
    }
}
