package io.github.datastore4j.api.spi;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Helpers for the location part of a storage URI: file paths with the errors every file-based backend needs, and
 * {@link #redact} for every message or log line that names a URI or a connection string.
 */
public final class Locations {
    /** {@code password=…}, {@code PASSWORD=…} and {@code FILE_PASSWORD=…} (H2), {@code secret=…}, {@code token=…}, {@code apiKey=…} and the like. */
    private static final Pattern SECRET_SETTING = Pattern.compile(
            "(?i)\\b(\\w*password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credentials?)(\\s*=\\s*)[^;&]*");
    /** {@code scheme://user:password@host}. */
    private static final Pattern USER_INFO = Pattern.compile("(://[^/:@\\s]*):[^@/\\s]*@");

    private Locations() {}

    /**
     * {@code uri} with every credential replaced by {@code ***}: passwords in user info ({@code
     * postgres://ann:secret@host}) and settings named like a secret ({@code ;PASSWORD=…}, {@code ?password=…},
     * {@code token=…}). What every message and log line that names a URI must show instead of it.
     */
    public static String redact(String uri) {
        if (uri == null) {
            return null;
        }
        String redacted = SECRET_SETTING.matcher(uri).replaceAll("$1$2***");
        return USER_INFO.matcher(redacted).replaceAll("$1:***@");
    }

    /**
     * The absolute, normalized path of {@code location}.
     *
     * @param scheme the backend's scheme, for messages
     * @param example a location to show when none was given, such as {@code ./data}
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION} if the location is blank or not a valid path
     */
    public static Path requirePath(String scheme, String location, String example) {
        if (location.isBlank()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, scheme + ": needs a location, e.g. " + scheme + ":" + example);
        }
        try {
            return Path.of(location).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    scheme + ": location '" + location + "' is not a valid path: " + e.getMessage());
        }
    }
}
