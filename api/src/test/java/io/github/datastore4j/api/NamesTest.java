package io.github.datastore4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.spi.Names;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "../x", "CON", "a/b", "with\u0000nul", "emoji\uD83D\uDE00", " "})
    @DisplayName("any valid Unicode string of 1 to 1024 characters is a key")
    void validKeys(String key) {
        assertThat(Names.requireValidKey(key)).isSameAs(key);
    }

    @Test
    @DisplayName("empty, over-long and unpaired-surrogate keys are refused with the rule they break")
    void invalidKeys() {
        assertThatThrownBy(() -> Names.requireValidKey("")).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> Names.requireValidKey("x".repeat(1025)))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("1025");
        assertThatThrownBy(() -> Names.requireValidKey("a\uDC00b"))
                .isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("surrogate");
        assertThatThrownBy(() -> Names.requireValidKey(null)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".hidden", "-x", "a/b", "..", "a b", "ü"})
    @DisplayName("namespaces are plain names")
    void invalidNamespaces(String namespace) {
        assertThatThrownBy(() -> Names.requireValidNamespace(namespace)).isInstanceOf(InvalidKeyException.class);
    }

    @Test
    @DisplayName("typical namespace names are accepted")
    void validNamespaces() {
        assertThat(Names.requireValidNamespace("swarm_job_123")).isEqualTo("swarm_job_123");
        assertThat(Names.requireValidNamespace("users.v2")).isEqualTo("users.v2");
    }
}
