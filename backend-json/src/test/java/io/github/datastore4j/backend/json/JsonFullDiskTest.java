package io.github.datastore4j.backend.json;

import io.github.datastore4j.testkit.FullDiskKit;
import java.nio.file.Path;

class JsonFullDiskTest extends FullDiskKit {
    @Override
    protected String storageUri(Path directory) {
        return "json:" + directory;
    }
}
