package io.github.datastore4j.api.internal;

import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.EngineProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass of {@link ServiceLoader} over the engine and backend providers. A provider that fails to load is recorded
 * and skipped, never fatal to the others; two providers of one scheme are reported by class name and the first found
 * wins unless the system property {@code datastore4j.backend.<scheme>} (or {@code datastore4j.engine}) names one.
 * Immutable once built.
 */
public final class ProviderDiscovery {
    static final String BACKEND_PROPERTY_PREFIX = "datastore4j.backend.";
    static final String ENGINE_PROPERTY = "datastore4j.engine";

    private static final Logger LOG = LoggerFactory.getLogger(ProviderDiscovery.class);
    private static final int MAX_LOAD_ERRORS = 64;

    private final Map<String, BackendProvider> backends;
    private final EngineProvider engine;
    private final List<String> problems;

    private ProviderDiscovery(Map<String, BackendProvider> backends, EngineProvider engine, List<String> problems) {
        this.backends = backends;
        this.engine = engine;
        this.problems = List.copyOf(problems);
    }

    /** Discovers with the thread context class loader, as {@link ServiceLoader#load(Class)} does. */
    public static ProviderDiscovery discover() {
        return discover(ServiceLoader.load(EngineProvider.class), ServiceLoader.load(BackendProvider.class));
    }

    /** Discovers with {@code loader}; for tests that bring their own service files. */
    public static ProviderDiscovery discover(ClassLoader loader) {
        return discover(
                ServiceLoader.load(EngineProvider.class, loader), ServiceLoader.load(BackendProvider.class, loader));
    }

    private static ProviderDiscovery discover(
            ServiceLoader<EngineProvider> engineLoader, ServiceLoader<BackendProvider> backendLoader) {
        List<String> problems = new ArrayList<>();
        Map<String, List<BackendProvider>> byScheme = new TreeMap<>();
        for (BackendProvider provider : loadAll(backendLoader, BackendProvider.class, problems)) {
            String scheme;
            try {
                scheme = provider.scheme();
            } catch (RuntimeException e) {
                problems.add("backend provider " + provider.getClass().getName() + " failed in scheme(): " + e);
                continue;
            }
            byScheme.computeIfAbsent(scheme, s -> new ArrayList<>()).add(provider);
        }
        Map<String, BackendProvider> backends = new LinkedHashMap<>();
        byScheme.forEach((scheme, candidates) -> backends.put(
                scheme,
                choose(
                        candidates,
                        System.getProperty(BACKEND_PROPERTY_PREFIX + scheme),
                        "scheme '" + scheme + "'",
                        BACKEND_PROPERTY_PREFIX + scheme,
                        problems)));
        List<EngineProvider> engines = loadAll(engineLoader, EngineProvider.class, problems);
        EngineProvider engine = engines.isEmpty()
                ? null
                : choose(engines, System.getProperty(ENGINE_PROPERTY), "the engine", ENGINE_PROPERTY, problems);
        problems.forEach(problem -> LOG.warn("datastore4j provider discovery: {}", problem));
        return new ProviderDiscovery(backends, engine, problems);
    }

    private static <P> List<P> loadAll(ServiceLoader<P> loader, Class<P> type, List<String> problems) {
        List<P> found = new ArrayList<>();
        Iterator<P> iterator = loader.iterator();
        int errors = 0;
        while (errors < MAX_LOAD_ERRORS) {
            try {
                if (!iterator.hasNext()) {
                    break;
                }
                found.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                errors++;
                problems.add("a " + type.getSimpleName() + " failed to load and was skipped: " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
            }
        }
        return found;
    }

    private static <P> P choose(
            List<P> candidates, String chosenClass, String what, String property, List<String> problems) {
        Function<P, String> name = p -> p.getClass().getName();
        if (chosenClass != null) {
            for (P candidate : candidates) {
                if (name.apply(candidate).equals(chosenClass)) {
                    return candidate;
                }
            }
            problems.add("system property " + property + "=" + chosenClass + " names no provider of " + what
                    + "; found " + candidates.stream().map(name).toList());
        }
        if (candidates.size() > 1) {
            problems.add("several providers of " + what + ": "
                    + candidates.stream().map(name).toList() + "; using " + name.apply(candidates.get(0)) + " (set -D"
                    + property + "=<class> to choose)");
        }
        return candidates.get(0);
    }

    /** The backend providers, by scheme, in scheme order. */
    public Map<String, BackendProvider> backends() {
        return backends;
    }

    /** The engine, or null if none was found. */
    public EngineProvider engine() {
        return engine;
    }

    /** What went wrong while loading: failed providers, duplicates, bad overrides. */
    public List<String> problems() {
        return problems;
    }
}
