package io.github.datastore4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JacksonCheckTest {
    /** The child: opens a storage and prints the error's code and message. */
    public static void main(String[] args) {
        try {
            Storage.open("memory:").close();
            System.out.println("OPENED");
        } catch (DatastoreException e) {
            System.out.println(e.code() + " " + e.getMessage());
        }
    }

    @Test
    @DisplayName("with jackson-annotations 2.20 on the class path, open fails naming the jar, the version and the fix")
    void oldAnnotationsNamed() throws Exception {
        Path old;
        try (Stream<Path> jars = Files.list(Path.of("target", "old-jackson"))) {
            old = jars.filter(jar -> jar.getFileName().toString().startsWith("jackson-annotations-2.20"))
                    .findFirst()
                    .orElseThrow();
        }
        List<String> entries = Arrays.stream(
                        System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("jackson-annotations"))
                .collect(Collectors.toList());
        entries.add(old.toAbsolutePath().toString());
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        String.join(File.pathSeparator, entries),
                        JacksonCheckTest.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output)
                .contains("NO_PROVIDER jackson-annotations 2.20")
                .contains(old.getFileName().toString())
                .contains("2.21 or later")
                .contains("com.fasterxml.jackson.core:jackson-annotations:2.22");
    }
}
