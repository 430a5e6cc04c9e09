package io.github.datastore4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Document;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class DocumentBridgeTest {
    /** An accessor that is not Document's; making one does not initialize Document. */
    public static final class Impostor implements DocumentBridge.Access {
        @Override
        public Document create(
                String key, JsonNode value, ObjectNode metadata, long rev, int schemaVersion, JsonMapper mapper) {
            throw new AssertionError("the impostor was used");
        }

        @Override
        public JsonNode value(Document document) {
            throw new AssertionError("the impostor was used");
        }

        @Override
        public ObjectNode metadata(Document document) {
            throw new AssertionError("the impostor was used");
        }
    }

    @Test
    @DisplayName("Document installs its accessor once: a second installation throws and changes nothing")
    void secondInstallationThrows() {
        DocumentBridge.Access installed = DocumentBridge.installed();
        assertThatThrownBy(() -> DocumentBridge.install(new Impostor()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already installed");
        assertThat(DocumentBridge.installed()).isSameAs(installed);
    }

    @Test
    @DisplayName("an installation attempted before Document is initialized still loses to Document's own")
    void documentAlwaysInstallsFirst() throws Exception {
        // a fresh loader, in which nothing has initialized Document yet
        try (URLClassLoader fresh = new URLClassLoader(classPath(), ClassLoader.getPlatformClassLoader())) {
            Class<?> bridge = Class.forName(DocumentBridge.class.getName(), false, fresh);
            Class<?> access = Class.forName(DocumentBridge.Access.class.getName(), false, fresh);
            Object impostor = Class.forName(Impostor.class.getName(), true, fresh)
                    .getConstructor()
                    .newInstance();
            Method install = bridge.getMethod("install", access);
            assertThatThrownBy(() -> invoke(install, impostor))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already installed");
            Object installed = bridge.getMethod("installed").invoke(null);
            assertThat(installed.getClass().getNestHost().getName()).isEqualTo(Document.class.getName());
        }
    }

    private static void invoke(Method method, Object argument) throws Throwable {
        try {
            method.invoke(null, argument);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static URL[] classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> {
                    try {
                        return Path.of(entry).toUri().toURL();
                    } catch (MalformedURLException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toArray(URL[]::new);
    }
}
