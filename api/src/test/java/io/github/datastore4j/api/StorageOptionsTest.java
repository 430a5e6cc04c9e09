package io.github.datastore4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StorageOptionsTest {
    @Test
    @DisplayName("a URI query is parsed and decoded")
    void parsesQuery() {
        StorageOptions options = StorageOptions.fromQuery("durability=interval&autosave=250ms&x=a%26b");
        assertThat(options.durability()).contains(Durability.INTERVAL);
        assertThat(options.autosaveInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(options.get("x")).contains("a&b");
    }

    @Test
    @DisplayName("durations are written as 500ms, 5s, 2m, 1h or ISO-8601")
    void durations() {
        assertThat(StorageOptions.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(StorageOptions.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(StorageOptions.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(StorageOptions.parseDuration("PT0.5S")).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> StorageOptions.parseDuration("soon"))
                .isInstanceOf(DatastoreException.class)
                .hasMessageContaining("soon");
    }

    @Test
    @DisplayName("bad values name the setting and the value")
    void badValues() {
        assertThatThrownBy(() -> StorageOptions.fromQuery("durability=often").durability())
                .hasMessageContaining("often")
                .hasMessageContaining("sync, interval, none");
        assertThatThrownBy(() -> StorageOptions.fromQuery("maxValueBytes=-1").maxValueBytes())
                .hasMessageContaining("maxValueBytes");
        assertThatThrownBy(() -> StorageOptions.fromQuery("autosave=0s").autosaveInterval())
                .hasMessageContaining("autosave");
        assertThatThrownBy(() -> StorageOptions.fromQuery("novalue")).hasMessageContaining("name=value");
        assertThatThrownBy(() -> StorageOptions.fromQuery("a=1&a=2")).hasMessageContaining("twice");
    }

    @Test
    @DisplayName("options in code override the URI's")
    void overrides() {
        StorageOptions merged = StorageOptions.fromQuery("durability=none&autosave=5s")
                .overriddenBy(
                        StorageOptions.builder().durability(Durability.SYNC).build());
        assertThat(merged.durability()).contains(Durability.SYNC);
        assertThat(merged.autosaveInterval()).isEqualTo(Duration.ofSeconds(5));
    }
}
