package io.github.datastore4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The shaded jar run as a real process: {@code java -jar cli/target/datastore4j-cli.jar …} in a folder. */
final class CliProcess {
    private static final String JAR = System.getProperty("datastore4j.cli.jar", "target/datastore4j-cli.jar");

    private CliProcess() {}

    /** How a run ended. */
    record Result(int exitCode, String out, String err) {
        /** Failed with exit code 1 and one line on stderr that holds {@code message}, without a stack trace. */
        Result failedWith(String message) {
            assertThat(exitCode).as("exit code; stderr: %s", err).isEqualTo(1);
            assertOneLineError(message);
            return this;
        }

        void assertOneLineError(String message) {
            assertThat(err.strip().lines()).as("stderr").hasSize(1);
            assertThat(err).contains(message).doesNotContain("\tat ").doesNotContain("Caused by:");
        }

        Result succeeded() {
            assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
            return this;
        }
    }

    /** A builder for a run in {@code folder}. */
    static ProcessBuilder builder(Path folder, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(Path.of(JAR).toAbsolutePath().toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile());
        builder.environment().remove("DATASTORE4J_URI");
        return builder;
    }

    static Result run(Path folder, String... args) {
        return run(folder, null, args);
    }

    /** Runs to the end, with {@code stdin} (or nothing) as standard input. */
    static Result run(Path folder, byte[] stdin, String... args) {
        try {
            Process process = builder(folder, args).start();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            try (var in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("datastore4j " + String.join(" ", args) + " did not end in 60 s");
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Reads {@code stream} to its end on a thread of its own. Not on the common pool: a read blocks for the life of
     * its process, and on 2 cores the common pool has one thread, so another process's drain (a {@code watch} running
     * meanwhile) would hold this one back until that process ends.
     */
    static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> read = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        read.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
                    } catch (IOException | RuntimeException e) {
                        read.completeExceptionally(e);
                    }
                },
                "cli-drain");
        reader.setDaemon(true);
        reader.start();
        return read;
    }
}
