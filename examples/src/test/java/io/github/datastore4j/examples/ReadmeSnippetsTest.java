package io.github.datastore4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.datastore4j.api.Storage;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The README's Java snippets compile as written in a new project that copies the README's dependency block and the
 * imports its Install section lists, and those marked {@code <!-- run -->} run on {@code memory:}. Every
 * {@code ```java} block is compiled except the Install section's imports (which every block gets) and blocks marked
 * {@code <!-- fragment -->}; see {@link Snippet} for the directives. A compiler error fails with the README line and
 * the compiler's message.
 *
 * <p>The compiler sees this module's test class path minus what that new project would only have at run time: the
 * modules the dependency block gives {@code <scope>runtime</scope>}, every backend, and this module's own classes.
 */
class ReadmeSnippetsTest {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    @TempDir
    static Path classes;

    private static JavaCompiler javac;
    private static StandardJavaFileManager files;
    private static String classPath;

    @BeforeAll
    static void compiler() throws IOException {
        javac = ToolProvider.getSystemJavaCompiler();
        files = javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
        classPath = compileClassPath(Reactor.read(), Readme.read());
    }

    @AfterAll
    static void closeCompiler() throws IOException {
        files.close();
    }

    @TestFactory
    Stream<DynamicTest> snippets() throws IOException {
        Readme readme = Readme.read();
        List<Readme.Block> importBlocks = readme.blocks("Install", "java");
        assertThat(importBlocks)
                .as("the Install section's ```java block of imports")
                .hasSize(1);
        List<Snippet.Import> imports = Snippet.imports(importBlocks.get(0));
        assertThat(imports).as("imports in " + importBlocks.get(0).where()).isNotEmpty();
        assertThat(readme.blocks("API tour", "java"))
                .as("the API tour's ```java blocks")
                .isNotEmpty();
        return readme.blocks().stream()
                .filter(block -> block.language().equals("java"))
                .filter(block -> !block.section().equals("Install") && !block.has("fragment"))
                .map(block -> {
                    Snippet snippet = new Snippet(block, imports);
                    return DynamicTest.dynamicTest(
                            block.where() + (snippet.runs() ? " compiles and runs on memory:" : " compiles"),
                            () -> check(snippet));
                });
    }

    private static void check(Snippet snippet) throws Exception {
        Path output = Files.createDirectories(classes.resolve(snippet.className));
        compile(snippet, output);
        if (snippet.runs()) {
            assertTimeoutPreemptively(RUN_LIMIT, () -> run(snippet, output), snippet.block.where() + " ran too long");
        }
    }

    private static void compile(Snippet snippet, Path output) {
        JavaFileObject unit =
                new SimpleJavaFileObject(
                        URI.create("string:///" + snippet.className + ".java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return snippet.source();
                    }
                };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of(
                "--release", "17", "-proc:none", "-implicit:none", "-classpath", classPath, "-d", output.toString());
        boolean compiled = javac.getTask(null, files, diagnostics, options, null, List.of(unit))
                .call();
        List<String> errors = diagnostics.getDiagnostics().stream()
                .filter(diagnostic -> diagnostic.getKind() == Diagnostic.Kind.ERROR)
                .map(diagnostic -> describe(snippet, diagnostic))
                .toList();
        if (!compiled || !errors.isEmpty()) {
            fail(snippet.block.where() + " does not compile:\n" + String.join("\n", errors));
        }
    }

    private static String describe(Snippet snippet, Diagnostic<? extends JavaFileObject> diagnostic) {
        int line = snippet.readmeLine(diagnostic.getLineNumber());
        String message = diagnostic.getMessage(Locale.ROOT);
        return (line > 0 ? "README.md line " + line : "around " + snippet.block.where()) + ": " + message + "\n    | "
                + snippet.line(diagnostic.getLineNumber());
    }

    private static void run(Snippet snippet, Path output) throws Throwable {
        try (Storage storage = Storage.open("memory:");
                URLClassLoader loader = new URLClassLoader(
                        new URL[] {output.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
            List<Object> arguments = new ArrayList<>();
            for (Snippet.Parameter parameter : snippet.given) {
                arguments.add(
                        switch (parameter.type()) {
                            case "Storage" -> storage;
                            case "Datastore" -> storage.datastore(parameter.name());
                            default ->
                                throw new IllegalArgumentException(snippet.block.where() + ": a run cannot be"
                                        + " given a " + parameter.type() + "; only Storage and Datastore");
                        });
            }
            Method run = Arrays.stream(
                            Class.forName(snippet.className, true, loader).getDeclaredMethods())
                    .filter(method -> method.getName().equals("run"))
                    .findFirst()
                    .orElseThrow();
            try {
                run.invoke(null, arguments.toArray());
            } catch (InvocationTargetException e) {
                throw new AssertionError(
                        snippet.block.where() + " failed on memory: with " + e.getCause(), e.getCause());
            }
        }
    }

    /** This JVM's class path without what an application has at run time only. */
    private static String compileClassPath(Reactor reactor, Readme readme) throws IOException {
        Set<String> runtimeOnly = new LinkedHashSet<>(runtimeScoped(readme));
        reactor.modulesByArtifactId().keySet().stream()
                .filter(artifactId -> artifactId.startsWith("datastore4j-backend-"))
                .forEach(runtimeOnly::add);
        runtimeOnly.add("datastore4j-examples");
        List<Path> kept = new ArrayList<>();
        for (Path entry : TestClassPath.entries()) {
            boolean runtime = runtimeOnly.stream().anyMatch(artifactId -> reactor.owns(entry, artifactId));
            if (!runtime) {
                kept.add(entry);
            }
        }
        assertThat(kept).as("the compile class path").anyMatch(entry -> reactor.owns(entry, "datastore4j-api"));
        return kept.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** The artifactIds the README's dependency block gives {@code <scope>runtime</scope>}. */
    private static List<String> runtimeScoped(Readme readme) throws IOException {
        Path pom = Files.createTempFile(classes, "readme-dependencies", ".xml");
        Files.writeString(
                pom,
                "<project>"
                        + String.join(
                                "\n", readme.blocks("Install", "xml").get(0).lines()) + "</project>");
        NodeList dependencies = Reactor.parse(pom).getElementsByTagName("dependency");
        List<String> runtime = new ArrayList<>();
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            if ("runtime".equals(Reactor.text(dependency, "scope"))) {
                runtime.add(Reactor.text(dependency, "artifactId"));
            }
        }
        assertThat(runtime).as("runtime-scoped dependencies of the README").isNotEmpty();
        return runtime;
    }
}
