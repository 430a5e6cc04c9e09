package io.github.datastore4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.ProviderNotFoundException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.EngineProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderDiscoveryTest {
    private static final String PREFIX = FakeProviders.class.getName() + "$";

    @TempDir
    Path services;

    @AfterEach
    void clearOverride() {
        System.clearProperty("datastore4j.backend.fake");
    }

    /** Discovery over service files listing {@code backends} and {@code engines}, on top of the test class path. */
    private ProviderDiscovery discover(List<String> backends, List<String> engines) throws IOException {
        Path dir = Files.createDirectories(services.resolve("META-INF/services"));
        Files.write(dir.resolve(BackendProvider.class.getName()), backends);
        Files.write(dir.resolve(EngineProvider.class.getName()), engines);
        URLClassLoader loader = new URLClassLoader(
                new URL[] {services.toUri().toURL()}, getClass().getClassLoader());
        return ProviderDiscovery.discover(loader);
    }

    @Test
    @DisplayName("a provider that fails to load is reported and the others are still found")
    void brokenProviderIsNotFatal() throws IOException {
        ProviderDiscovery discovery = discover(
                List.of(PREFIX + "ExplodingBackendProvider", "com.example.Missing", PREFIX + "FakeBackendProvider"),
                List.of(PREFIX + "FakeEngineProvider"));
        assertThat(discovery.backends()).containsOnlyKeys("fake");
        assertThat(discovery.problems()).hasSize(2);
        assertThat(discovery.problems().get(0)).contains("ExplodingBackendProvider");
        assertThat(discovery.problems().get(1)).contains("com.example.Missing");
    }

    @Test
    @DisplayName("two providers of one scheme are reported by name; the first wins unless a property chooses")
    void duplicatesReported() throws IOException {
        List<String> both = List.of(PREFIX + "FakeBackendProvider", PREFIX + "OtherFakeBackendProvider");
        ProviderDiscovery discovery = discover(both, List.of(PREFIX + "FakeEngineProvider"));
        assertThat(discovery.backends().get("fake")).isExactlyInstanceOf(FakeProviders.FakeBackendProvider.class);
        assertThat(discovery.problems())
                .singleElement()
                .asString()
                .contains("FakeBackendProvider", "OtherFakeBackendProvider", "datastore4j.backend.fake");

        System.setProperty("datastore4j.backend.fake", PREFIX + "OtherFakeBackendProvider");
        assertThat(discover(both, List.of()).backends().get("fake"))
                .isExactlyInstanceOf(FakeProviders.OtherFakeBackendProvider.class);
    }

    @Test
    @DisplayName("an unknown scheme fails with NO_PROVIDER listing the schemes found and the load problems")
    void unknownScheme() throws IOException {
        ProviderDiscovery discovery = discover(
                List.of(PREFIX + "FakeBackendProvider", PREFIX + "ExplodingBackendProvider"),
                List.of(PREFIX + "FakeEngineProvider"));
        assertThatThrownBy(() -> StorageOpener.open("json:./data", StorageOptions.defaults(), discovery))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("'json'")
                .hasMessageContaining("[fake]")
                .hasMessageContaining("ExplodingBackendProvider");
    }

    @Test
    @DisplayName("no engine on the path fails with NO_PROVIDER naming the module to add")
    void noEngine() throws IOException {
        ProviderDiscovery discovery = discover(List.of(PREFIX + "FakeBackendProvider"), List.of());
        assertThatThrownBy(() -> StorageOpener.open("fake:", StorageOptions.defaults(), discovery))
                .isInstanceOf(ProviderNotFoundException.class)
                .hasMessageContaining("datastore4j-engine-memory");
    }

    @Test
    @DisplayName("the location and the URI settings reach the backend; options in code win")
    void locationAndSettings() throws IOException {
        ProviderDiscovery discovery =
                discover(List.of(PREFIX + "FakeBackendProvider"), List.of(PREFIX + "FakeEngineProvider"));
        try (Storage storage = StorageOpener.open(
                "FAKE:./some dir/data?fakeSetting=a%20b&durability=none",
                StorageOptions.builder().set("durability", "sync").build(), discovery)) {
            assertThat(storage.uri()).startsWith("FAKE:");
        }
        assertThat(FakeProviders.FakeBackendProvider.lastLocation).isEqualTo("./some dir/data");
        assertThat(FakeProviders.FakeBackendProvider.lastOptions.get("fakeSetting"))
                .contains("a b");
        assertThat(FakeProviders.FakeBackendProvider.lastOptions.get("durability"))
                .contains("sync");
    }

    @Test
    @DisplayName("an unknown setting fails with INVALID_OPTION listing the known ones")
    void unknownSetting() throws IOException {
        ProviderDiscovery discovery =
                discover(List.of(PREFIX + "FakeBackendProvider"), List.of(PREFIX + "FakeEngineProvider"));
        assertThatThrownBy(() -> StorageOpener.open("fake:?durabilty=sync", StorageOptions.defaults(), discovery))
                .isInstanceOfSatisfying(DatastoreException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION);
                    assertThat(e.getMessage()).contains("durabilty", "durability", "fakeSetting");
                });
    }

    @Test
    @DisplayName("a URI without a scheme fails with INVALID_OPTION")
    void noScheme() throws IOException {
        ProviderDiscovery discovery = discover(List.of(), List.of());
        for (String uri : List.of("./data", ":x", "1abc:x", "")) {
            assertThatThrownBy(() -> StorageOpener.open(uri, StorageOptions.defaults(), discovery))
                    .isInstanceOfSatisfying(
                            DatastoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_OPTION));
        }
    }
}
