package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.FullDiskKit;
import java.nio.file.Path;

class H2FullDiskTest extends FullDiskKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + directory.resolve("db");
    }
}
