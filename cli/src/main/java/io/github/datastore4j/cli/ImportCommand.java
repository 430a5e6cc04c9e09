package io.github.datastore4j.cli;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Names;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code import ns}: reads {@link RecordLine}s from standard input or {@code --input} into an empty namespace, keeping
 * each record's key, revision, schema version, value bytes and metadata bytes exactly; the checksum is computed for
 * the target namespace (the same as the source's, for a format-2 record imported under its own namespace).
 *
 * <p>Streams: lines are read one at a time and written in batches of {@value #BATCH} records (or {@value #BATCH_BYTES}
 * bytes), each committed as the backend commits. The import stops at the first bad line, naming it; the batches before
 * it stay committed (an import is not atomic as a whole), so {@code --dry-run} checks a file first. A key that appears
 * twice ends up with its later line.
 */
@Command(name = "import", description = "Reads JSON lines (as export writes them) into an empty namespace.")
final class ImportCommand implements Callable<Integer> {
    static final int BATCH = 1_000;
    static final int BATCH_BYTES = 4 << 20;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Option(
            names = {"-i", "--input"},
            description = "Read this file instead of standard input.")
    Path input;

    @Option(names = "--dry-run", description = "Check every line and write nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
        String uri = main.requireUri();
        Names.requireValidNamespace(namespace);
        String source = input == null ? "standard input" : input.toString();
        try (Backend backend = Stores.openBackend(uri);
                InputStream in = new BufferedInputStream(open(), 1 << 16)) {
            if (!dryRun && Stores.join(backend.namespaces(), "list namespaces").contains(namespace)) {
                throw new DatastoreException(
                        ErrorCode.CONFLICT,
                        "namespace '" + namespace + "' of " + main.shownUri()
                                + " already holds records; import writes into an empty namespace only");
            }
            long imported = 0;
            long bytesRead = 0;
            long lineNumber = 0;
            List<Mutation> batch = new ArrayList<>();
            long batchBytes = 0;
            try (Progress progress =
                    Progress.start(main.progress, "import " + namespace, sizeOf(), Progress.Unit.MEBIBYTES)) {
                ByteArrayOutputStream line = new ByteArrayOutputStream(256);
                for (int b = in.read(); ; b = in.read()) {
                    if (b != '\n' && b != -1) {
                        line.write(b);
                        continue;
                    }
                    if (b == -1 && line.size() == 0) {
                        break;
                    }
                    lineNumber++;
                    bytesRead += line.size() + (b == -1 ? 0 : 1);
                    byte[] bytes = stripCarriageReturn(line.toByteArray());
                    line.reset();
                    if (!isBlank(bytes)) {
                        RecordLine record;
                        try {
                            record = RecordLine.parse(bytes);
                        } catch (RuntimeException e) {
                            throw new DatastoreException(
                                    ErrorCode.INVALID_VALUE,
                                    "line " + lineNumber + " of " + source + ": " + Main.describe(e) + "; "
                                            + (dryRun
                                                    ? "nothing was written"
                                                    : imported + " records before it were imported"),
                                    e);
                        }
                        batch.add(Mutation.put(namespace, record.toRecord(namespace)));
                        batchBytes += bytes.length;
                        if (batch.size() >= BATCH || batchBytes >= BATCH_BYTES) {
                            imported += commit(backend, batch);
                            batchBytes = 0;
                        }
                    }
                    progress.stepTo(bytesRead);
                    if (b == -1) {
                        break;
                    }
                }
                imported += commit(backend, batch);
            }
            System.err.printf(
                    "%s %,d records into namespace '%s' of %s%n",
                    dryRun ? "checked (dry run, nothing written)" : "imported", imported, namespace, main.shownUri());
        }
        return 0;
    }

    private long commit(Backend backend, List<Mutation> batch) {
        int size = batch.size();
        if (size > 0 && !dryRun) {
            Stores.join(backend.write(List.copyOf(batch)), "write to namespace '" + namespace + "'");
        }
        batch.clear();
        return size;
    }

    private InputStream open() throws IOException {
        return input == null ? new FileInputStream(FileDescriptor.in) : Files.newInputStream(input);
    }

    /** The input's size when it is a file (also stdin redirected from one), else -1: no percentage then. */
    private long sizeOf() {
        try {
            if (input != null) {
                return Files.size(input);
            }
            long size = new FileInputStream(FileDescriptor.in).getChannel().size();
            return size > 0 ? size : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static byte[] stripCarriageReturn(byte[] line) {
        return line.length > 0 && line[line.length - 1] == '\r' ? java.util.Arrays.copyOf(line, line.length - 1) : line;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
