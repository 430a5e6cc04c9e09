package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.testkit.CrashRecoveryKit;
import java.nio.file.Path;

class MapDbCrashRecoveryTest extends CrashRecoveryKit {
    @Override
    protected String storageUri(Path directory) {
        return "mapdb:" + directory.resolve("app.mapdb");
    }
}
