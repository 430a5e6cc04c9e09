package io.github.datastore4j.cli;

import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Backend;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code migrate ns}: without {@code --schema}, reports how many records of the namespace are at each schema version
 * (read from the backend, nothing changes). A migration's steps are Java functions, so they cannot be written on a
 * command line; with {@code --schema CLASS --class-path JAR} the command loads the application's own
 * {@code Supplier<Schema>} and runs {@code Storage.migrate}: batches of 1,000 committed with progress, resumable after a
 * crash.
 */
@Command(
        name = "migrate",
        description = "Reports the schema versions of a namespace, or migrates it with a Supplier<Schema> from a jar.")
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Option(
            names = "--schema",
            paramLabel = "CLASS",
            description = "A public class with a public no-argument constructor implementing Supplier<Schema>.")
    String schemaClass;

    @Option(
            names = "--class-path",
            paramLabel = "PATH",
            split = ":",
            description = "Jars or folders holding the schema class and what it needs.")
    List<Path> classPath = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String uri = main.requireUri();
        if (schemaClass == null) {
            report(uri);
            return 0;
        }
        Schema schema = loadSchema();
        try (Storage storage = Storage.open(uri)) {
            Progress[] progress = new Progress[1];
            try {
                storage.migrate(namespace, schema, (committed, toMigrate, total) -> {
                    if (progress[0] == null) {
                        progress[0] =
                                Progress.start(main.progress, "migrate " + namespace, toMigrate, Progress.Unit.RECORDS);
                    }
                    progress[0].stepTo(committed);
                });
            } finally {
                if (progress[0] != null) {
                    progress[0].close();
                }
            }
        }
        report(uri);
        return 0;
    }

    private void report(String uri) {
        Map<Integer, Long> byVersion = new TreeMap<>();
        try (Backend backend = Stores.openBackend(uri)) {
            Stores.requireNamespace(Stores.join(backend.namespaces(), "list namespaces"), namespace, uri);
            Stores.join(
                    backend.scan(namespace, record -> byVersion.merge(record.schemaVersion(), 1L, Long::sum)),
                    "scan namespace '" + namespace + "'");
        }
        byVersion.forEach((version, count) -> System.out.printf("schema version %d: %,d records%n", version, count));
    }

    private Schema loadSchema() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (Path path : classPath) {
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("--class-path entry " + path + " does not exist");
            }
            urls.add(toUrl(path));
        }
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), Main.class.getClassLoader());
        Class<?> type;
        try {
            type = Class.forName(schemaClass, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("schema class " + schemaClass + " is not on --class-path " + classPath);
        }
        if (!Supplier.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(schemaClass + " does not implement java.util.function.Supplier<Schema>");
        }
        Object schema = ((Supplier<?>) type.getConstructor().newInstance()).get();
        if (!(schema instanceof Schema)) {
            throw new IllegalArgumentException(schemaClass + ".get() returned "
                    + (schema == null ? "null" : schema.getClass().getName()) + ", not a Schema");
        }
        return (Schema) schema;
    }

    private static URL toUrl(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("--class-path entry " + path + " is not a valid path", e);
        }
    }
}
