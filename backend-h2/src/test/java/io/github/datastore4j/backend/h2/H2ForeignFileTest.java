package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.ForeignFileKit;
import java.nio.file.Path;

class H2ForeignFileTest extends ForeignFileKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + directory.resolve("db");
    }

    @Override
    protected Path storeFile(Path directory) {
        return directory.resolve("db.mv.db");
    }
}
