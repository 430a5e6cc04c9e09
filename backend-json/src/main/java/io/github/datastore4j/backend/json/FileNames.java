package io.github.datastore4j.backend.json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Maps keys and namespace names to file names that are safe on Linux, macOS and Windows, distinct on
 * case-insensitive file systems, and reversible:
 *
 * <ul>
 *   <li>{@code a-z 0-9 _ -} stay as they are;
 *   <li>an upper-case letter becomes {@code ^} and the letter in lower case ({@code Key} → {@code ^key});
 *   <li>every other character, {@code . / \ % ^ ~} and NUL included, becomes its UTF-8 bytes as {@code %xx} in lower-case
 *       hex;
 *   <li>a result that is a reserved Windows device name ({@code con}, {@code nul}, {@code com1}…) has its first
 *       letter escaped too;
 *   <li>a result longer than {@value #MAX_ENCODED} characters is cut and suffixed with {@code ~} and the SHA-256 of
 *       the name, so it stays unique; such names are not reversible, which is fine because every file also holds its
 *       key.
 * </ul>
 *
 * The result never starts with {@code .}, so it cannot be {@code .}, {@code ..} or a temp file, and never contains a
 * separator. Stateless.
 */
final class FileNames {
    static final String SUFFIX = ".json";
    static final int MAX_ENCODED = 180;
    private static final int KEPT_BEFORE_HASH = 100;
    private static final Set<String> RESERVED = Set.of(
            "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1",
            "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private FileNames() {}

    /** The file name of a document's key. */
    static String ofKey(String key) {
        return encode(key) + SUFFIX;
    }

    /** The folder name of a namespace. */
    static String ofNamespace(String namespace) {
        return encode(namespace);
    }

    static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            i += Character.charCount(cp);
            if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_' || cp == '-') {
                out.append((char) cp);
            } else if (cp >= 'A' && cp <= 'Z') {
                out.append('^').append((char) (cp - 'A' + 'a'));
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HexFormat.of().toHexDigits(b));
                }
            }
        }
        if (RESERVED.contains(out.toString())) {
            out.replace(0, 1, "%" + HexFormat.of().toHexDigits((byte) out.charAt(0)));
        }
        if (out.length() > MAX_ENCODED) {
            return out.substring(0, KEPT_BEFORE_HASH) + "~" + sha256(name);
        }
        return out.toString();
    }

    /** The name a file or folder name encodes, if it is reversible (not hashed) and well formed. */
    static Optional<String> decode(String encoded) {
        String body = encoded.endsWith(SUFFIX) ? encoded.substring(0, encoded.length() - SUFFIX.length()) : encoded;
        if (body.isEmpty() || body.indexOf('~') >= 0) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder(body.length());
        ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '%') {
                int high = i + 2 < body.length() ? Character.digit(body.charAt(i + 1), 16) : -1;
                int low = i + 2 < body.length() ? Character.digit(body.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    return Optional.empty();
                }
                utf8.write(high * 16 + low);
                i += 2;
                continue;
            }
            out.append(utf8.toString(StandardCharsets.UTF_8));
            utf8.reset();
            if (c == '^' && i + 1 < body.length()) {
                out.append(Character.toUpperCase(body.charAt(++i)));
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                out.append(c);
            } else {
                return Optional.empty();
            }
        }
        out.append(utf8.toString(StandardCharsets.UTF_8));
        return Optional.of(out.toString());
    }

    private static String sha256(String name) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
