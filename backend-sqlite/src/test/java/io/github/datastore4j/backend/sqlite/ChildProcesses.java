package io.github.datastore4j.backend.sqlite;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command lines for child JVMs of this module's tests, on the class path or on the module path. */
final class ChildProcesses {
    /** Test class path entries that form the module path of an application using {@code sqlite:}. */
    private static final List<String> MODULES = List.of(
            "/api/target/",
            "/engine-memory/target/",
            "/backend-sqlite/target/classes",
            "/tools/jackson/",
            "/com/fasterxml/jackson/core/jackson-annotations/",
            "/org/slf4j/",
            "/org/xerial/");

    private ChildProcesses() {}

    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** {@code java [jvmFlags] -cp <this class path> main args}. */
    static List<String> onClassPath(List<String> jvmFlags, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java().toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * {@code java --module-path <api, engine, backend-sqlite, their dependencies> --add-modules … -cp <test classes>
     * main args}: the module graph resolves as it would for an application, and the backend is found through its
     * {@code provides}, not through {@code META-INF/services}.
     */
    static List<String> onModulePath(Class<?> main, String... args) {
        List<String> modules = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String path = entry.replace(File.separatorChar, '/');
            if (MODULES.stream().anyMatch(path::contains)) {
                modules.add(entry);
            } else if (path.endsWith("/backend-sqlite/target/test-classes")) {
                rest.add(entry);
            }
        }
        List<String> command = new ArrayList<>(Arrays.asList(
                java().toString(),
                "--enable-native-access=org.xerial.sqlitejdbc",
                "--module-path",
                String.join(File.pathSeparator, modules),
                "--add-modules",
                "io.github.datastore4j.backend.sqlite,io.github.datastore4j.engine,org.slf4j.simple",
                "-cp",
                String.join(File.pathSeparator, rest),
                main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
