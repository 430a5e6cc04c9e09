package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.Durability;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

/** The whole API with {@code interval} durability: reopen after auto-save and close returns what was written. */
class PostgresIntervalDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return TestPostgres.uri(TestPostgres.schemaOf(directory));
    }

    @Override
    protected StorageOptions options() {
        return StorageOptions.builder()
                .durability(Durability.INTERVAL)
                .set(StorageOptions.AUTOSAVE, "50ms")
                .build();
    }
}
