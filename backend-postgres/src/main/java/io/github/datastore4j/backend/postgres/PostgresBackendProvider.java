package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code postgres://user[:password]@host[:port]/database?schema=app} — a PostgreSQL database; {@code
 * postgres:jdbc:postgresql://host/database?user=ann&schema=app} — the same through a pgjdbc URL.
 *
 * <p>Settings (in the URI's query or in {@link StorageOptions}): {@code schema} (default {@code public}), {@code user}
 * and {@code password}; {@code feedRetention} (default {@code 10m}) and {@code deleteRetention} (default {@code 168h}, 7 days), how
 * long the change feed keeps superseded changes and deleted keys' changes ({@link FeedRetention}). Without a password in the URI or the settings, the {@code PGPASSWORD} environment variable is
 * used, as {@code psql} does. No message or log line shows a password: they name the URL through
 * {@link Locations#redact}.
 *
 * <p>One storage per schema for now: see {@link PostgresBackend}.
 */
public final class PostgresBackendProvider implements BackendProvider {
    static final String SCHEMA = "schema";
    static final String USER = "user";
    static final String PASSWORD = "password";
    static final String FEED_RETENTION = "feedRetention";
    static final String DELETE_RETENTION = "deleteRetention";
    private static final String JDBC_PREFIX = "jdbc:postgresql:";
    /** {@code //user[:password]@host[:port]/database}; user info and port optional. */
    private static final Pattern URL = Pattern.compile("//(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)(?:/([^/?]*))?");
    /** A schema name used unquoted in messages and quoted in SQL: kept plain so it needs no escaping anywhere. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private final Function<String, String> environment;

    public PostgresBackendProvider() {
        this(System::getenv);
    }

    /** For tests: {@code environment} stands in for {@link System#getenv(String)}. */
    PostgresBackendProvider(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public String scheme() {
        return "postgres";
    }

    @Override
    public Set<String> settingNames() {
        return Set.of(SCHEMA, USER, PASSWORD, FEED_RETENTION, DELETE_RETENTION);
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        return PostgresBackend.open(target(location, options), retention(options));
    }

    /**
     * The feed's retention from {@code feedRetention} and {@code deleteRetention} (durations such as {@code 10m},
     * {@code 168h} or {@code P7D}), {@link FeedRetention#DEFAULT} where not set.
     *
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION} naming a value that is not a duration
     */
    static FeedRetention retention(StorageOptions options) {
        Map<String, String> settings = options.asMap();
        return new FeedRetention(
                duration(settings, FEED_RETENTION, FeedRetention.DEFAULT.superseded()),
                duration(settings, DELETE_RETENTION, FeedRetention.DEFAULT.deletes()));
    }

    private static Duration duration(Map<String, String> settings, String name, Duration otherwise) {
        String text = settings.get(name);
        if (text == null) {
            return otherwise;
        }
        try {
            return StorageOptions.parseDuration(text);
        } catch (DatastoreException e) {
            throw invalid(name + ": " + e.getMessage());
        }
    }

    /**
     * The store {@code location} and {@code options} name.
     *
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION}, never showing a password
     */
    PostgresTarget target(String location, StorageOptions options) {
        Map<String, String> settings = options.asMap();
        String schema = settings.getOrDefault(SCHEMA, "public");
        if (!PLAIN_NAME.matcher(schema).matches()) {
            throw invalid("schema '" + schema + "' is not 1 to 63 characters of A-Z a-z 0-9 _ starting with a letter"
                    + " or _");
        }
        String user = settings.get(USER);
        String password = settings.get(PASSWORD);
        String jdbcUrl;
        if (location.startsWith(JDBC_PREFIX)) {
            jdbcUrl = location;
        } else {
            Matcher url = URL.matcher(location);
            if (!url.matches()) {
                throw invalid("'" + Locations.redact(location) + "' is not of the form"
                        + " postgres://user[:password]@host[:port]/database or postgres:jdbc:postgresql://…");
            }
            if (url.group(1) != null && !url.group(1).isEmpty() && user == null) {
                user = decode(url.group(1));
            }
            if (url.group(2) != null && password == null) {
                password = decode(url.group(2));
            }
            String database = url.group(4) == null ? "" : url.group(4);
            jdbcUrl = JDBC_PREFIX + "//" + url.group(3) + "/" + database;
        }
        if (password == null) {
            password = environment.apply("PGPASSWORD");
        }
        return new PostgresTarget(jdbcUrl, user, password, schema);
    }

    private static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    private static DatastoreException invalid(String message) {
        return new DatastoreException(ErrorCode.INVALID_OPTION, "postgres: " + message);
    }
}
