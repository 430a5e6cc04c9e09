package io.github.datastore4j.api.internal;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.ProviderNotFoundException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.EngineProvider;
import io.github.datastore4j.api.spi.Locations;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Parses a storage URI, finds its providers and opens the storage. Stateless. */
public final class StorageOpener {
    private static final Logger LOG = LoggerFactory.getLogger(StorageOpener.class);
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

    private StorageOpener() {}

    public static Storage open(String uri, StorageOptions options) {
        return open(uri, options, ProviderDiscovery.discover());
    }

    public static Set<String> availableSchemes() {
        return new TreeSet<>(ProviderDiscovery.discover().backends().keySet());
    }

    static Storage open(String uri, StorageOptions options, ProviderDiscovery discovery) {
        Target target = resolve(uri, options, discovery);
        EngineProvider engine = discovery.engine();
        LOG.debug(
                "opening {} with backend {} and engine {}",
                Locations.redact(uri),
                target.provider().getClass().getName(),
                engine.getClass().getName());
        Backend backend = target.provider().open(target.location(), target.options());
        try {
            // the engine only names the URI, in messages, logs and thread names: it never sees a credential
            return engine.open(Locations.redact(uri), backend, target.provider(), target.options());
        } catch (RuntimeException | Error e) {
            try {
                backend.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Opens only the backend of {@code uri}, for tools that move records without an engine (no migration, no cache).
     * Engine settings in the URI are accepted and ignored.
     */
    public static Backend openBackend(String uri, StorageOptions options) {
        Target target = resolve(uri, options, ProviderDiscovery.discover());
        return target.provider().open(target.location(), target.options());
    }

    /** A URI taken apart and checked: its provider, location and merged settings. */
    private record Target(BackendProvider provider, String location, StorageOptions options) {}

    private static Target resolve(String uri, StorageOptions options, ProviderDiscovery discovery) {
        requireNonNull(uri, "uri");
        requireNonNull(options, "options");
        JacksonCheck.requireCompatibleAnnotations();
        int colon = uri.indexOf(':');
        if (colon <= 0 || !SCHEME.matcher(uri.substring(0, colon)).matches()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "storage URI '" + Locations.redact(uri)
                            + "' does not start with a scheme such as memory:, json:, h2: or mapdb:");
        }
        String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = uri.substring(colon + 1);
        int question = rest.indexOf('?');
        String location = question < 0 ? rest : rest.substring(0, question);
        StorageOptions merged = StorageOptions.fromQuery(question < 0 ? null : rest.substring(question + 1))
                .overriddenBy(options);

        BackendProvider backendProvider = discovery.backends().get(scheme);
        if (backendProvider == null) {
            throw new ProviderNotFoundException("no datastore4j backend for scheme '" + scheme + "' in '"
                    + Locations.redact(uri)
                    + "'; schemes found: " + discovery.backends().keySet()
                    + ". Add the backend's module (e.g. datastore4j-backend-" + scheme
                    + ") to the class path or module path"
                    + problemsSuffix(discovery));
        }
        EngineProvider engine = discovery.engine();
        if (engine == null) {
            throw new ProviderNotFoundException(
                    "no datastore4j engine found; add io.github.datastore4j:datastore4j-engine-memory to the class path or module path"
                            + problemsSuffix(discovery));
        }
        Set<String> known = new TreeSet<>(engine.settingNames());
        known.addAll(backendProvider.settingNames());
        for (String name : merged.asMap().keySet()) {
            if (!known.contains(name)) {
                throw new DatastoreException(
                        ErrorCode.INVALID_OPTION,
                        "unknown setting '" + name + "' for '" + Locations.redact(uri) + "'; the engine and the "
                                + scheme
                                + " backend know " + known);
            }
        }
        return new Target(backendProvider, location, merged);
    }

    private static String problemsSuffix(ProviderDiscovery discovery) {
        return discovery.problems().isEmpty() ? "" : ". Problems while loading providers: " + discovery.problems();
    }
}
