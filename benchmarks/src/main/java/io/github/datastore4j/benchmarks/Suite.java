package io.github.datastore4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The suite's entry point ({@code java -jar benchmarks/target/benchmarks.jar [short|full] [include-regex]}): runs every
 * benchmark with a profile's JMH settings, writes the JMH JSON and the machine it ran on under {@code
 * benchmarks/results/}, and renders them ({@link Report}). {@code report <results.json>} re-renders a committed run.
 * For any other JMH option use JMH's own main: {@code java -cp benchmarks.jar org.openjdk.jmh.Main …}.
 */
public final class Suite {

    /**
     * JMH settings. Short: a comparison in under 10 minutes on 2 cores, with the fewest iterations (3) for which JMH
     * reports an error; full: tighter errors and the 1,000,000-document start-up, about an hour.
     */
    enum Profile {
        SHORT(1, 1, 1000, 3, 600, "100000"),
        FULL(2, 3, 2000, 5, 2000, "100000", "1000000");

        final int forks;
        final int warmups;
        final int warmupMillis;
        final int iterations;
        final int iterationMillis;
        final String[] startupSizes;

        Profile(int forks, int warmups, int warmupMillis, int iterations, int iterationMillis, String... sizes) {
            this.forks = forks;
            this.warmups = warmups;
            this.warmupMillis = warmupMillis;
            this.iterations = iterations;
            this.iterationMillis = iterationMillis;
            this.startupSizes = sizes;
        }

        Map<String, Object> describe() {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("profile", name().toLowerCase());
            settings.put("forks", forks);
            settings.put("warmup", warmups + " × " + warmupMillis / 1000.0 + " s");
            settings.put("measurement", iterations + " × " + iterationMillis / 1000.0 + " s");
            settings.put("startupDocuments", String.join(", ", startupSizes));
            return settings;
        }
    }

    private Suite() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("report")) {
            Report.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Profile profile = args.length > 0 ? profile(args[0]) : Profile.SHORT;
        String include = args.length > 1 ? args[1] : Suite.class.getPackageName() + ".*";
        Path results = Path.of(System.getProperty("datastore4j.bench.results", "benchmarks/results"));
        Files.createDirectories(results);
        Path json = results.resolve(profile.name().toLowerCase() + ".json");

        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(profile.forks)
                .warmupIterations(profile.warmups)
                .warmupTime(TimeValue.milliseconds(profile.warmupMillis))
                .measurementIterations(profile.iterations)
                .measurementTime(TimeValue.milliseconds(profile.iterationMillis))
                .param("documents", profile.startupSizes)
                .jvmArgsAppend("-Xmx4g", "-Ddatastore4j.bench.data=" + Fixtures.dataRoot())
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        new Runner(options.build()).run();

        Path machine = results.resolve(profile.name().toLowerCase() + "-machine.json");
        Documents.MAPPER.writerWithDefaultPrettyPrinter().writeValue(machine.toFile(), machine(profile));
        Report.render(json, machine, results, Optional.of(Path.of("README.md")).filter(Files::isWritable));
    }

    private static Profile profile(String name) {
        try {
            return Profile.valueOf(name.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown profile '" + name + "': use short, full, or report <results.json>", e);
        }
    }

    /** What the figures depend on, recorded beside them. */
    static Map<String, Object> machine(Profile profile) throws IOException {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("date", Instant.now().toString());
        machine.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")));
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put(
                "memory",
                firstValue(Path.of("/proc/meminfo"), "MemTotal")
                        .map(Suite::gibibytes)
                        .orElse("unknown"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("jmh", profile.describe());
        return machine;
    }

    /** {@code "24684096 kB"} → {@code "23.5 GiB"}. */
    static String gibibytes(String meminfo) {
        String[] parts = meminfo.trim().split("\\s+");
        try {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", Long.parseLong(parts[0]) / (1024.0 * 1024.0));
        } catch (NumberFormatException e) {
            return meminfo;
        }
    }

    private static Optional<String> firstValue(Path file, String field) throws IOException {
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(line -> line.startsWith(field))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        }
    }
}
