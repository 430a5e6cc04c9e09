package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.Locations;
import java.util.Properties;

/**
 * Where a {@code postgres:} store lives: a pgjdbc URL, the credentials kept apart from it, and the schema.
 *
 * <p>{@link #toString()} and {@link #shown()} never show the password: they are what messages and log lines name.
 *
 * @param jdbcUrl a {@code jdbc:postgresql:} URL, possibly with settings of its own (redacted when shown)
 * @param user the user, or null to let the URL or the driver decide
 * @param password the password, or null
 * @param schema the schema holding the store's tables
 */
record PostgresTarget(String jdbcUrl, String user, String password, String schema) {

    /** The connection properties the driver needs, credentials included. */
    Properties properties(String applicationName) {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", applicationName);
        return properties;
    }

    /** The URL and schema, redacted, for messages. */
    String shown() {
        return Locations.redact(jdbcUrl) + " schema " + schema;
    }

    @Override
    public String toString() {
        return "PostgresTarget[" + shown() + (user == null ? "" : " user " + user) + "]";
    }
}
