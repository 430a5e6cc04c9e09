package io.github.datastore4j.backend.json;

import io.github.datastore4j.testkit.ExclusiveAccessKit;
import java.nio.file.Path;

class JsonExclusiveAccessTest extends ExclusiveAccessKit {
    @Override
    protected String storageUri(Path directory) {
        return "json:" + location(directory);
    }

    @Override
    protected Path location(Path directory) {
        return directory.resolve("data");
    }

    @Override
    protected boolean namesHolderPid() {
        return true;
    }
}
