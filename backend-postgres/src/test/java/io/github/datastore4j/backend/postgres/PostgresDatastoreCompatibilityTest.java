package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.testkit.DatastoreCompatibilityKit;
import java.nio.file.Path;

class PostgresDatastoreCompatibilityTest extends DatastoreCompatibilityKit {
    @Override
    protected String storageUri(Path directory) {
        return TestPostgres.uri(TestPostgres.schemaOf(directory));
    }
}
