package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.CrashRecoveryKit;
import java.nio.file.Path;

class H2CrashRecoveryTest extends CrashRecoveryKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + directory.resolve("db");
    }
}
