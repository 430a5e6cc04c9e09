package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.nio.file.Path;

class PostgresBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected Backend openBackend(Path directory) {
        return PostgresBackend.open(TestPostgres.target(TestPostgres.schemaOf(directory)));
    }
}
