package io.github.datastore4j.backend.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.testkit.BackendCompatibilityKit;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FileNamesTest {
    @Test
    @DisplayName("awkward keys encode to safe names that decode back")
    void roundTrip() {
        for (String key : BackendCompatibilityKit.AWKWARD_KEYS) {
            String name = FileNames.ofKey(key);
            assertThat(name).as(key).matches("[a-z0-9_%^~-]+\\.json").doesNotStartWith(".");
            assertThat(name.length()).as(key).isLessThanOrEqualTo(FileNames.MAX_ENCODED + 70);
            if (!name.contains("~")) {
                assertThat(FileNames.decode(name)).as(name).contains(key);
            }
        }
    }

    @Test
    @DisplayName("names stay distinct on a case-insensitive file system")
    void distinctIgnoringCase() {
        Set<String> folded = new HashSet<>();
        for (String key : BackendCompatibilityKit.AWKWARD_KEYS) {
            assertThat(folded.add(FileNames.ofKey(key).toLowerCase(Locale.ROOT)))
                    .as(key)
                    .isTrue();
        }
    }

    @Test
    @DisplayName("Windows device names never come out as file names")
    void reservedNames() {
        assertThat(FileNames.encode("con")).isEqualTo("%63on");
        assertThat(FileNames.encode("CON")).isEqualTo("^c^o^n");
        assertThat(FileNames.encode("com1")).isNotEqualTo("com1");
        assertThat(FileNames.decode("%63on.json")).contains("con");
    }

    @Test
    @DisplayName("long keys are cut and hashed, so two long keys with one prefix stay distinct")
    void longKeys() {
        String a = "p".repeat(500) + "a";
        String b = "p".repeat(500) + "b";
        assertThat(FileNames.ofKey(a)).isNotEqualTo(FileNames.ofKey(b)).contains("~");
        assertThat(FileNames.decode(FileNames.ofKey(a))).isEmpty();
    }

    @Test
    @DisplayName("malformed names do not decode")
    void malformed() {
        assertThat(FileNames.decode("%zz.json")).isEmpty();
        assertThat(FileNames.decode("%4.json")).isEmpty();
        assertThat(FileNames.decode("UPPER.json")).isEmpty();
        assertThat(FileNames.decode(".json")).isEmpty();
    }
}
