package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.ExclusiveAccessKit;
import java.nio.file.Path;

class H2ExclusiveAccessTest extends ExclusiveAccessKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + location(directory);
    }

    @Override
    protected Path location(Path directory) {
        return directory.resolve("db");
    }

    @Override
    protected boolean namesHolderPid() {
        return true;
    }
}
