package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.testkit.CrashRecoveryKit;
import java.nio.file.Path;

/** Child JVMs writing to one {@code sqlite:} file are killed with SIGKILL mid-write; the file reopens clean. */
class SqliteCrashRecoveryTest extends CrashRecoveryKit {
    @Override
    protected String storageUri(Path directory) {
        return TestStores.uri(directory);
    }
}
