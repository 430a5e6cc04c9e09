package io.github.datastore4j.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code datastore4j.*} settings of an application:
 *
 * <pre>{@code
 * datastore4j:
 *   uri: json:./data
 *   namespaces: [jobs, users]
 *   settings:
 *     durability: sync
 * }</pre>
 *
 * <p><b>Concurrency contract.</b> Bound once at start-up by Spring, then only read.
 */
@ConfigurationProperties(prefix = "datastore4j")
public class DatastoreProperties {
    /**
     * The store to open, as Storage.open takes it: memory:, json:./data, h2:./db,
     * mapdb:./store.db, postgres://user@host/db?schema=app. Without it nothing is configured.
     */
    private String uri;

    /** Namespaces to offer as Datastore beans, each under its own name (@Qualifier("jobs")). */
    private List<String> namespaces = new ArrayList<>();

    /**
     * Storage settings, as a URI's query would give them: durability (none, interval,
     * sync), autosave, onCorrupt, retries, maxValueBytes, a backend's own settings
     * (such as postgres's password, never logged).
     */
    private Map<String, String> settings = new LinkedHashMap<>();

    public String getUri() {
        return uri;
    }

    public void setUri(String uri) {
        this.uri = uri;
    }

    public List<String> getNamespaces() {
        return namespaces;
    }

    public void setNamespaces(List<String> namespaces) {
        this.namespaces = namespaces;
    }

    public Map<String, String> getSettings() {
        return settings;
    }

    public void setSettings(Map<String, String> settings) {
        this.settings = settings;
    }
}
