package io.github.datastore4j.api.spi;

import io.github.datastore4j.api.StorageOptions;
import java.util.Set;

/**
 * Opens {@link Backend}s for one URI scheme. Register an implementation twice so it is found on the module path and
 * the class path: {@code provides io.github.datastore4j.api.spi.BackendProvider with …} in {@code module-info.java},
 * and the class name in {@code META-INF/services/io.github.datastore4j.api.spi.BackendProvider}. It needs a public
 * no-argument constructor and must be cheap to create: discovery instantiates every provider.
 */
public interface BackendProvider {

    /** The URI scheme served, in lower case, such as {@code json} for {@code json:./data}. */
    String scheme();

    /** The names of the settings this backend reads from {@link StorageOptions}; others are rejected at open. */
    default Set<String> settingNames() {
        return Set.of();
    }

    /**
     * Opens the backend at {@code location}: the URI without its scheme and query, e.g. {@code ./data} for
     * {@code json:./data?durability=sync}; empty for {@code memory:}.
     *
     * @throws io.github.datastore4j.api.DatastoreException naming the location when it cannot be opened
     */
    Backend open(String location, StorageOptions options);
}
