package io.github.datastore4j.backend.mapdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.Storage;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class MapDbBackendTest {
    @TempDir
    Path temp;

    private String uri() {
        return "mapdb:" + temp.resolve("app.mapdb");
    }

    @Test
    @DisplayName("a value changed behind the engine's back fails the open with CORRUPT naming namespace and key")
    void corruptValue() {
        try (Storage storage = Storage.open(uri())) {
            storage.datastore("ns").set("k", "hello world");
        }
        try (DB db = DBMaker.fileDB(temp.resolve("app.mapdb").toFile())
                .transactionEnable()
                .make()) {
            Map<String, byte[]> map = db.treeMap("ns/ns", Serializer.STRING, Serializer.BYTE_ARRAY)
                    .open();
            byte[] stored = map.get("k");
            stored[stored.length - 3] ^= 0x20; // flip a bit inside the value
            map.put("k", stored);
            db.commit();
        }
        try (Storage storage = Storage.open(uri())) {
            assertThatThrownBy(() -> storage.datastore("ns"))
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageContaining("'k'")
                    .hasMessageContaining("'ns'")
                    .hasMessageContaining("checksum");
        }
        try (Storage storage = Storage.open(uri() + "?onCorrupt=quarantine")) {
            assertThat(storage.datastore("ns").get("k")).isEmpty();
            assertThat(storage.quarantined()).singleElement().satisfies(report -> assertThat(report.movedTo())
                    .contains("quarantine/ns"));
        }
        try (DB db = DBMaker.fileDB(temp.resolve("app.mapdb").toFile())
                .transactionEnable()
                .make()) {
            assertThat(db.treeMap("quarantine/ns", Serializer.STRING, Serializer.BYTE_ARRAY)
                            .open())
                    .containsKey("k");
        }
    }
}
