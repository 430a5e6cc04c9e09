package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code h2:<path>} — an embedded H2 database file ({@code <path>.mv.db}); in {@code sync} durability a write returns
 * once its chunk is written and forced to disk; {@code h2:mem:<name>} — an in-memory database that lives while the
 * storage is open; {@code h2:jdbc:h2:…} — any H2 JDBC URL, such as an H2 server's.
 *
 * <p>One storage per database: a second one, from this process or another, through the same URL or another, gets
 * {@code LOCKED} naming the holder. An H2 server does not make a store shared: each engine keeps the truth in its own
 * memory, so the server only serves the one storage that holds the lock.
 *
 * <p>H2 closes an embedded database from a shutdown hook of its own unless told not to, which would leave the engine's
 * final save (in {@code interval} durability) nothing to write to. So the backend adds {@code DB_CLOSE_ON_EXIT=FALSE}
 * to the URLs it builds and to embedded JDBC URLs that do not set it, refuses {@code DB_CLOSE_ON_EXIT=TRUE}, and
 * closes the database itself when the storage closes.
 */
public final class H2BackendProvider implements BackendProvider {
    private static final String JDBC_PREFIX = "jdbc:h2:";
    private static final String KEEP_OPEN_AT_EXIT = ";DB_CLOSE_ON_EXIT=FALSE";
    /** A prefix naming a protocol or an H2 file system ({@code mem:}, {@code tcp:}, {@code nio:} …), not a drive. */
    private static final Pattern PREFIX = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    @Override
    public String scheme() {
        return "h2";
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        if (location.isBlank()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, "h2: needs a database, e.g. h2:./db/app, h2:mem:test or h2:jdbc:h2:…");
        }
        if (location.startsWith(JDBC_PREFIX)) {
            String rest = location.substring(JDBC_PREFIX.length());
            boolean memory = rest.startsWith("mem:");
            return H2Backend.open(keepOpenAtExit(location, rest), location, embeddedFile(rest), !memory);
        }
        if (location.startsWith("mem:")) {
            return H2Backend.open(JDBC_PREFIX + location + KEEP_OPEN_AT_EXIT, JDBC_PREFIX + location, null, false);
        }
        Path path = Locations.requirePath(scheme(), location, "./db/app");
        return H2Backend.open(
                JDBC_PREFIX + path + KEEP_OPEN_AT_EXIT, JDBC_PREFIX + path, mvStoreFile(path.toString()), true);
    }

    /**
     * Adds {@code DB_CLOSE_ON_EXIT=FALSE} to an embedded URL; a server's database closes with the server, whose
     * process this is not.
     */
    private static String keepOpenAtExit(String url, String rest) {
        String upper = url.toUpperCase(Locale.ROOT).replace(" ", "");
        if (upper.contains(";DB_CLOSE_ON_EXIT=TRUE")) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "h2: " + H2Backend.redact(url) + " sets DB_CLOSE_ON_EXIT=TRUE, which lets H2's shutdown hook close"
                            + " the database before the storage's final save; remove it (the storage closes H2)");
        }
        boolean remote = rest.startsWith("tcp:") || rest.startsWith("ssl:");
        return remote || upper.contains(";DB_CLOSE_ON_EXIT=") ? url : url + KEEP_OPEN_AT_EXIT;
    }

    /** The {@code .mv.db} file an embedded JDBC URL names on the default file system, or null. */
    private static Path embeddedFile(String rest) {
        int settings = rest.indexOf(';');
        String database = settings < 0 ? rest : rest.substring(0, settings);
        if (database.startsWith("file:")) {
            database = database.substring("file:".length());
        }
        if (database.isEmpty()
                || PREFIX.matcher(database).matches()
                || rest.toUpperCase(Locale.ROOT).contains("CIPHER=")) {
            return null; // in memory, a server, another file system, or encrypted: H2 alone knows its file
        }
        if (database.startsWith("~")) {
            database = System.getProperty("user.home") + database.substring(1);
        }
        return mvStoreFile(database);
    }

    private static Path mvStoreFile(String database) {
        return Path.of(database + ".mv.db").toAbsolutePath().normalize();
    }
}
