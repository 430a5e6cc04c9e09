package io.github.datastore4j.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The entries of this test JVM's class path, to build other class and module paths from. */
final class TestClassPath {
    private TestClassPath() {}

    /** {@code java.class.path}, with the entries of a manifest-only jar (Surefire's booter) spelled out. */
    static List<Path> entries() throws IOException {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            entries.add(path);
            if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                try (JarFile jar = new JarFile(path.toFile())) {
                    Manifest manifest = jar.getManifest();
                    String referenced = manifest == null
                            ? null
                            : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    if (referenced != null && !referenced.isBlank()) {
                        for (String url : referenced.trim().split("\\s+")) {
                            entries.add(Path.of(path.toUri().resolve(url)));
                        }
                    }
                }
            }
        }
        return entries;
    }

    /** Whether {@code entry} is a jar of {@code artifactId}, as Maven names it: {@code <artifactId>-<version>.jar}. */
    static boolean isJarOf(Path entry, String artifactId) {
        String name = entry.getFileName().toString();
        return name.startsWith(artifactId + "-")
                && name.endsWith(".jar")
                && Character.isDigit(name.charAt(artifactId.length() + 1));
    }
}
