package io.github.datastore4j.backend.json;

import io.github.datastore4j.testkit.CrashRecoveryKit;
import java.nio.file.Path;

class JsonCrashRecoveryTest extends CrashRecoveryKit {
    @Override
    protected String storageUri(Path directory) {
        return "json:" + directory;
    }
}
