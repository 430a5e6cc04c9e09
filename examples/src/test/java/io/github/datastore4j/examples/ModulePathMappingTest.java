package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the module path, an application's type in a package its module does not open to Jackson fails to map with a
 * message that says which {@code opens} line to add, and that line is the fix. Each case is a small application
 * module, compiled here and run in a child JVM with {@code java --module-path … --module …}: Surefire's class path
 * has no module boundaries to fail on.
 */
class ModulePathMappingTest {
    /** The modules a datastore4j application on {@code memory:} runs with: what its dependency block brings. */
    private static final List<String> RUNTIME =
            List.of("jackson-databind", "jackson-core", "jackson-annotations", "slf4j-api");

    private static final String PLAYER =
            "package com.example.game;\n" + "public record Player(String name, int level) {}\n";

    /** Tries each mapping of a Player and prints one line per outcome. */
    private static final String MAIN = "package com.example.app;\n"
            + "import com.example.game.Player;\n"
            + "import io.github.datastore4j.api.*;\n"
            + "import java.util.Map;\n"
            + "import java.util.function.Supplier;\n"
            + "public final class Main {\n"
            + "    public static void main(String[] args) {\n"
            + "        try (Storage storage = Storage.open(\"memory:\")) {\n"
            + "            Datastore players = storage.datastore(\"players\");\n"
            + "            report(\"set\", () -> players.set(\"ann\", new Player(\"ann\", 3)));\n"
            + "            players.set(\"bob\", Map.of(\"name\", \"bob\", \"level\", 4));\n"
            + "            report(\"get\", () -> players.get(\"bob\", Player.class).orElseThrow());\n"
            + "            report(\"document\", () -> players.getDocument(\"bob\").orElseThrow().value(Player.class));\n"
            + "        }\n"
            + "    }\n"
            + "    private static void report(String what, Supplier<?> mapping) {\n"
            + "        try {\n"
            + "            System.out.println(what + \": OK \" + mapping.get());\n"
            + "        } catch (DatastoreException e) {\n"
            + "            System.out.println(what + \": \" + e.code() + \" \" + e.getMessage());\n"
            + "        }\n"
            + "    }\n"
            + "}\n";

    @TempDir
    Path directory;

    private static String modulePath;

    @BeforeAll
    static void modulePath() throws IOException {
        Reactor reactor = Reactor.read();
        List<String> entries = new ArrayList<>();
        for (Path entry : TestClassPath.entries()) {
            if (reactor.owns(entry, "datastore4j-api")
                    || reactor.owns(entry, "datastore4j-engine-memory")
                    || RUNTIME.stream().anyMatch(artifactId -> TestClassPath.isJarOf(entry, artifactId))) {
                entries.add(entry.toString());
            }
        }
        assertThat(entries).as("api, engine and their dependencies").hasSize(2 + RUNTIME.size());
        modulePath = String.join(File.pathSeparator, entries);
    }

    @Test
    @DisplayName("a type in a package the module does not open to Jackson fails to store and to read, naming the opens"
            + " line to add")
    void closedPackageNamesTheFix() throws Exception {
        String output = runApplication("");
        String fix = "add `opens com.example.game to tools.jackson.databind;` to its module-info.java";
        assertThat(line(output, "set"))
                .startsWith("set: INVALID_VALUE value for key 'ann' in namespace 'players' (a com.example.game.Player)")
                .contains("module app.example does not open package com.example.game to Jackson")
                .endsWith(fix + ")");
        assertThat(line(output, "get")).startsWith("get: WRONG_TYPE").endsWith(fix + ")");
        assertThat(line(output, "document")).startsWith("document: WRONG_TYPE").endsWith(fix + ")");
    }

    @Test
    @DisplayName("with the opens line the message names, the same type is stored and read")
    void openedPackageMaps() throws Exception {
        String output = runApplication("    opens com.example.game to tools.jackson.databind;\n");
        assertThat(line(output, "set")).startsWith("set: OK Document{key='ann'");
        assertThat(line(output, "get")).isEqualTo("get: OK Player[name=bob, level=4]");
        assertThat(line(output, "document")).isEqualTo("document: OK Player[name=bob, level=4]");
    }

    /** Compiles the application module with {@code opens} in its module-info, runs it, and returns what it printed. */
    private String runApplication(String opens) throws IOException, InterruptedException {
        Path sources = directory.resolve("src");
        write(
                sources.resolve("module-info.java"),
                "module app.example {\n    requires io.github.datastore4j.api;\n" + opens + "}\n");
        write(sources.resolve("com/example/game/Player.java"), PLAYER);
        write(sources.resolve("com/example/app/Main.java"), MAIN);
        Path classes = directory.resolve("classes");
        compile(sources, classes);
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--module-path",
                        classes + File.pathSeparator + modulePath,
                        "--module",
                        "app.example/com.example.app.Main")
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        return output;
    }

    private static void compile(Path sources, Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
                var paths = Files.walk(sources)) {
            List<Path> units =
                    paths.filter(path -> path.toString().endsWith(".java")).toList();
            boolean compiled = javac.getTask(
                            null,
                            files,
                            diagnostics,
                            List.of("--release", "17", "--module-path", modulePath, "-d", classes.toString()),
                            null,
                            files.getJavaFileObjectsFromPaths(units))
                    .call();
            assertThat(compiled)
                    .as(diagnostics.getDiagnostics().stream()
                            .map(Object::toString)
                            .collect(Collectors.joining("\n")))
                    .isTrue();
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** The line the application printed for {@code what}. */
    private static String line(String output, String what) {
        return output.lines()
                .filter(line -> line.startsWith(what + ": "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + what + " in:\n" + output));
    }
}
