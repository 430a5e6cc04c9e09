package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.ExclusiveAccessKit;
import java.nio.file.Path;

class H2ExclusiveAccessTest extends ExclusiveAccessKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + directory.resolve("db");
    }

    /** The database file: LOCKED names it, and a refused open must leave no descriptor on it. */
    @Override
    protected Path location(Path directory) {
        return directory.resolve("db.mv.db");
    }

    @Override
    protected boolean namesHolderPid() {
        return true;
    }
}
