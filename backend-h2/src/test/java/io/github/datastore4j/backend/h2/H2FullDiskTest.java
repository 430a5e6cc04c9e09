package io.github.datastore4j.backend.h2;

import io.github.datastore4j.testkit.FullDiskKit;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Excluded from the default build: H2's recovery after a torn chunk sometimes comes back one or two commits before
 * the last acknowledged one (a full disk, in about half the runs; the 0.1 code loses them the same way). Run it with {@code ./mvnw -B verify
 * -Pknown-h2-loss} until that is fixed; the README's durability table says what h2 survives meanwhile.
 */
@Tag("known-h2-loss")
class H2FullDiskTest extends FullDiskKit {
    @Override
    protected String storageUri(Path directory) {
        return "h2:" + directory.resolve("db");
    }
}
