package io.github.datastore4j.spring;

import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageStatistics;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The storage's health: {@code UP} if its backend answers (it lists the namespaces, one call to the backend), with
 * the backend, durability, namespaces, queued changes and quarantined records as details; {@code DOWN} with the
 * failure if the backend does not answer or the storage is closed.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: {@link #health()} may run on any thread, several at once.
 */
public final class DatastoreHealthIndicator implements HealthIndicator {
    private final Storage storage;

    public DatastoreHealthIndicator(Storage storage) {
        this.storage = storage;
    }

    @Override
    public Health health() {
        try {
            int namespaces = storage.namespaces().size();
            StorageStatistics statistics = storage.statistics();
            return Health.up()
                    .withDetail("backend", statistics.backend())
                    .withDetail("durability", storage.durability().name().toLowerCase(java.util.Locale.ROOT))
                    .withDetail("namespaces", namespaces)
                    .withDetail("queued", statistics.commits().queued())
                    .withDetail("quarantined", statistics.quarantined())
                    .build();
        } catch (RuntimeException e) {
            return Health.down(e).build();
        }
    }
}
