package io.github.datastore4j.api.spi;

import io.github.datastore4j.api.InvalidKeyException;
import java.util.regex.Pattern;

/**
 * The rules for keys and namespace names, checked by the engine before anything is read or written.
 *
 * <ul>
 *   <li>A <b>key</b> is 1 to {@value #MAX_KEY_LENGTH} characters of valid Unicode (no unpaired surrogate). Anything
 *       else goes, {@code /}, {@code ..}, {@code \}, NUL and {@code CON} included; backends must store such keys
 *       safely.
 *   <li>A <b>namespace</b> is 1 to {@value #MAX_NAMESPACE_LENGTH} characters of {@code A-Z a-z 0-9 _ . -}, not starting
 *       with {@code .} or {@code -}. Namespaces name folders and tables, so they are kept plain.
 * </ul>
 */
public final class Names {
    /** The longest key, in UTF-16 characters. */
    public static final int MAX_KEY_LENGTH = 1024;
    /** The longest namespace name. */
    public static final int MAX_NAMESPACE_LENGTH = 128;

    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    private Names() {}

    /**
     * Returns {@code key} if it is valid.
     *
     * @throws InvalidKeyException saying which rule it breaks
     * @throws NullPointerException if {@code key} is null
     */
    public static String requireValidKey(String key) {
        if (key == null) {
            throw new NullPointerException("key is null");
        }
        if (key.isEmpty()) {
            throw new InvalidKeyException("key is empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new InvalidKeyException("key is " + key.length() + " characters long, more than the " + MAX_KEY_LENGTH
                    + " allowed: '" + key.substring(0, 40) + "…'");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidKeyException("key has an unpaired surrogate character at index " + i
                        + ", which has no UTF-8 form: '" + key.replace(c, '?') + "'");
            }
        }
        return key;
    }

    /**
     * Returns {@code namespace} if it is valid.
     *
     * @throws InvalidKeyException saying which rule it breaks
     * @throws NullPointerException if {@code namespace} is null
     */
    public static String requireValidNamespace(String namespace) {
        if (namespace == null) {
            throw new NullPointerException("namespace is null");
        }
        if (namespace.isEmpty()
                || namespace.length() > MAX_NAMESPACE_LENGTH
                || !NAMESPACE.matcher(namespace).matches()) {
            throw new InvalidKeyException("namespace '" + namespace + "' is not 1 to " + MAX_NAMESPACE_LENGTH
                    + " characters of A-Z a-z 0-9 _ . - starting with a letter, digit or _");
        }
        return namespace;
    }
}
