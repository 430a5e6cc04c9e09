package io.github.datastore4j.cli;

import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Record;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code export ns}: every record of a namespace as one {@link RecordLine} a line, to standard output or
 * {@code --output}, in the backend's scan order (key order for every bundled backend).
 *
 * <p>Streams: the backend's scan hands over one record at a time and each is written at once, so memory does not
 * grow with the namespace. A first, counting scan gives the progress its total (left out with {@code --progress none}). A record that fails its checksum, or
 * an entry the backend cannot read, is not exported: each is named on standard error and the command fails at the
 * end, after exporting the rest.
 */
@Command(name = "export", description = "Writes every record of a namespace as one JSON line each.")
final class ExportCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Option(
            names = {"-o", "--output"},
            description = "Write to this file instead of standard output.")
    Path output;

    @Override
    public Integer call() throws IOException {
        String uri = main.requireUri();
        try (Backend backend = Stores.openBackend(uri)) {
            Stores.requireNamespace(Stores.join(backend.namespaces(), "list namespaces"), namespace, uri);
            long total = main.progress == Progress.Mode.NONE ? -1 : Stores.count(backend, namespace);
            List<String> damage = new ArrayList<>();
            long exported;
            try (OutputStream out = new BufferedOutputStream(open(), 1 << 16);
                    Progress progress =
                            Progress.start(main.progress, "export " + namespace, total, Progress.Unit.RECORDS)) {
                AtomicLong written = new AtomicLong();
                Stores.join(
                        backend.scan(
                                namespace,
                                record -> {
                                    if (record.checksumValid(namespace)) {
                                        write(out, record);
                                        written.incrementAndGet();
                                    } else {
                                        damage.add("key '" + record.key() + "' fails its CRC32C checksum");
                                    }
                                    progress.step(1);
                                },
                                (Damaged damaged) -> {
                                    damage.add(damaged.describe() + ": " + damaged.problem());
                                    progress.step(1);
                                }),
                        "scan namespace '" + namespace + "'");
                exported = written.get();
            }
            damage.forEach(problem -> System.err.println("export: not exported, damaged: " + problem));
            if (!damage.isEmpty()) {
                throw new CorruptDataException("exported " + exported + " records of namespace '" + namespace
                        + "' but left out " + damage.size() + " damaged ones (listed above); run verify");
            }
            System.err.printf("exported %,d records of namespace '%s' from %s%n", exported, namespace, main.shownUri());
        }
        return 0;
    }

    private OutputStream open() throws IOException {
        return output == null ? new FileOutputStream(FileDescriptor.out) : Files.newOutputStream(output);
    }

    private static void write(OutputStream out, Record record) {
        try {
            RecordLine.of(record).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
        }
    }
}
