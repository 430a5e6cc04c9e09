package io.github.datastore4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-loaded stores, built once per machine and copied for each trial, so that a trial does not pay for writing (and,
 * on json, fsyncing) thousands of documents before it starts. Kept under {@code datastore4j.bench.data}, by default
 * {@code bench-data} beside the benchmarks jar ({@code benchmarks/target}, so {@code mvn clean} removes them).
 */
final class Fixtures {
    private static final Logger LOG = LoggerFactory.getLogger(Fixtures.class);
    private static final String COMPLETE = ".complete";
    private static final int BATCH = 5_000;

    private Fixtures() {}

    /**
     * A store of {@code documents} documents ({@link Documents#key(int)} → {@link Documents#document(int)}), opened
     * on a private copy; memory stores are simply filled.
     */
    static Opened preloaded(Impl impl, Backend backend, int documents, String engineSettings) {
        Path directory = Backend.newDirectory("trial");
        if (backend != Backend.memory) {
            copy(dataset(impl, backend, documents), directory);
        }
        Subject subject = impl.open(backend, directory, engineSettings);
        if (backend == Backend.memory) {
            fill(subject, documents);
        }
        return new Opened(subject, directory);
    }

    /** A subject and the private folder it lives in; closing closes the one and deletes the other. */
    record Opened(Subject subject, Path directory) implements AutoCloseable {
        @Override
        public void close() {
            subject.close();
            Backend.deleteRecursively(directory);
        }
    }

    /** The shared, read-only dataset folder: build it if absent. Open it only to read (start-up benchmarks). */
    static synchronized Path dataset(Impl impl, Backend backend, int documents) {
        Path folder = dataRoot().resolve(impl + "-" + backend + "-" + documents);
        if (Files.exists(folder.resolve(COMPLETE))) {
            return folder;
        }
        Backend.deleteRecursively(folder);
        LOG.info("building dataset {} (once; reused by later runs until mvn clean)", folder);
        try {
            Files.createDirectories(folder);
            try (Subject subject = impl.open(backend, folder, "")) {
                fill(subject, documents);
            }
            Files.createFile(folder.resolve(COMPLETE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return folder;
    }

    private static void fill(Subject subject, int documents) {
        for (int from = 0; from < documents; from += BATCH) {
            subject.setAll(Documents.batch(from, Math.min(BATCH, documents - from)));
        }
    }

    static Path dataRoot() {
        String configured = System.getProperty("datastore4j.bench.data");
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path code = Path.of(Fixtures.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return code.getParent().resolve("bench-data");
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            paths.forEach(source -> {
                Path target = to.resolve(from.relativize(source).toString());
                try {
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (!source.getFileName().toString().equals(COMPLETE)) {
                        Files.copy(source, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
