package io.github.datastore4j.backend.postgres;

import io.github.datastore4j.testkit.CrashRecoveryKit;
import java.nio.file.Path;

/** Child JVMs writing to this JVM's server are killed; the server keeps running, as a real one would. */
class PostgresCrashRecoveryTest extends CrashRecoveryKit {
    @Override
    protected String storageUri(Path directory) {
        return TestPostgres.uri(TestPostgres.schemaOf(directory));
    }
}
