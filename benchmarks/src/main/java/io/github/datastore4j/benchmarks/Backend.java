package io.github.datastore4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The backends the suite compares, each with its raw baseline: the {@code @Param} every benchmark iterates over.
 * Lower-case constants so that the names in the results read as the URI schemes.
 */
public enum Backend {
    memory {
        @Override
        String uri(Path directory) {
            return "memory:";
        }

        @Override
        Subject raw(Path directory) {
            return new RawMemory();
        }
    },
    json {
        @Override
        String uri(Path directory) {
            return "json:" + directory.resolve("store");
        }

        @Override
        Subject raw(Path directory) {
            return new RawFiles(directory.resolve("raw"));
        }
    },
    h2 {
        @Override
        String uri(Path directory) {
            return "h2:" + directory.resolve("store");
        }

        @Override
        Subject raw(Path directory) {
            return new RawH2(directory.resolve("raw"));
        }
    },
    mapdb {
        @Override
        String uri(Path directory) {
            return "mapdb:" + directory.resolve("store.mapdb");
        }

        @Override
        Subject raw(Path directory) {
            return new RawMapDb(directory.resolve("raw.mapdb"));
        }
    };

    /** The engine's URI for a store kept under {@code directory}, without settings. */
    abstract String uri(Path directory);

    /** The raw baseline, kept under {@code directory}. */
    abstract Subject raw(Path directory);

    /** The engine over this backend with the given settings ({@code "durability=sync"}, or empty). */
    Subject engine(Path directory, String settings) {
        return new EngineSubject(settings.isEmpty() ? uri(directory) : uri(directory) + "?" + settings);
    }

    /** Where benchmarks keep their stores: a fresh folder under {@code datastore4j.bench.dir} (default: temp). */
    static Path newDirectory(String purpose) {
        try {
            Path root = Path.of(System.getProperty("datastore4j.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(root);
            return Files.createTempDirectory(root, "datastore4j-bench-" + purpose + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
