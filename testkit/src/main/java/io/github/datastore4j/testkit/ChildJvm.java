package io.github.datastore4j.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a {@code main} class in a child JVM with this JVM's {@code java} and class path, for process-level tests. */
public final class ChildJvm {
    private ChildJvm() {}

    /** A builder for {@code main} with {@code args}; the caller sets redirects and starts it. */
    public static ProcessBuilder of(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** Runs {@code main} to its end and returns its exit code and combined output. */
    public static Result run(Class<?> main, String... args) throws IOException, InterruptedException {
        Process process = of(main, args).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    /** How a child JVM ended. */
    public record Result(int exitCode, String output) {}
}
