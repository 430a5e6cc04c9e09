package io.github.datastore4j.api.spi;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Turns the location part of a storage URI into a file path, with the errors every file-based backend needs. */
public final class Locations {
    private Locations() {}

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
