package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

/**
 * Documents as files: {@code <root>/<namespace>/<key>.json}, names encoded by {@link FileNames}, each file in the
 * {@link DocumentFile} format. A file whose name is not its key's (copied or renamed by hand) is reported as damaged,
 * never loaded under a key it was not written for.
 *
 * <p><b>Durability.</b> A batch is applied by {@link FileBatch}: new contents are forced to temp files first, then
 * moved over their targets atomically, and every changed folder is forced before the batch is acknowledged. So a
 * crash leaves every file either old or new, an acknowledged batch is on disk, and a batch that fails (a full disk)
 * is undone: nothing refused is on disk. A crash in the middle of a batch may leave some of its files new and others
 * old. What interrupted batches left behind is swept on open.
 *
 * <p><b>Concurrency contract.</b> Writes come from one thread at a time (the engine's commit thread); reads and scans
 * may run beside them and see each file old or new, never torn. All futures complete on the calling thread. The
 * {@link StoreLock} keeps other processes, and other storages in this one, out.
 */
final class JsonBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(JsonBackend.class);
    static final String QUARANTINE = ".quarantine";

    private final Path root;
    private final StoreLock lock;
    private final ParallelWriter writers;
    private volatile boolean closed;

    private JsonBackend(Path root, StoreLock lock, int writeThreads) {
        this.root = root;
        this.lock = lock;
        this.writers = new ParallelWriter(writeThreads, "datastore4j-json-write " + root);
    }

    static JsonBackend open(Path root) {
        return open(root, ParallelWriter.DEFAULT_THREADS);
    }

    static JsonBackend open(Path root, int writeThreads) {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new CorruptDataException("json store " + root + " is a file, not a store folder; a json store is a"
                    + " folder of namespace folders (move the file away, or open it with the backend that wrote it)");
        }
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new BackendException("cannot create json store folder " + root + ": " + e, e);
        }
        StoreLock lock = StoreLock.acquire(root);
        try {
            sweepTempFiles(root);
            return new JsonBackend(root, lock, writeThreads);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static void sweepTempFiles(Path root) {
        try (DirectoryStream<Path> namespaces = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path namespace : namespaces) {
                FileBatch.sweep(namespace);
            }
        } catch (IOException e) {
            throw new BackendException("cannot sweep temp files in json store " + root + ": " + e, e);
        }
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, false, true, false, false);
    }

    private Path folder(String namespace) {
        return root.resolve(FileNames.ofNamespace(namespace));
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        try {
            ensureOpen();
            Path file = folder(namespace).resolve(FileNames.ofKey(key));
            Optional<Record> record = readFile(namespace, file);
            if (record.isPresent() && !record.get().key().equals(key)) {
                throw new CorruptDataException("file " + file + " in namespace '" + namespace + "' should hold key '"
                        + key + "' but holds '" + record.get().key() + "'");
            }
            return CompletableFuture.completedFuture(record);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        try {
            ensureOpen();
            // Last write of a file wins, so the files left are distinct and can be prepared in any order, in parallel.
            Map<Path, Mutation> files = new LinkedHashMap<>();
            Set<Path> createdFolders = new LinkedHashSet<>();
            for (Mutation mutation : batch) {
                Path folder = folder(mutation.namespace());
                Path file = folder.resolve(FileNames.ofKey(mutation.key()));
                files.remove(file);
                files.put(file, mutation);
                if (mutation instanceof Mutation.Put && !Files.isDirectory(folder)) {
                    Files.createDirectories(folder);
                    createdFolders.add(root); // the new folder's entry must reach the disk too
                }
            }
            new FileBatch(files).apply(writers, createdFolders);
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new BackendException(
                    "json store " + root + " failed to write " + batch.size() + " changes, none applied: " + e, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        return scan(namespace, sink, damaged -> {
            throw new CorruptDataException(damaged.problem());
        });
    }

    @Override
    public CompletableFuture<Void> scan(
            String namespace, Consumer<? super Record> sink, Consumer<? super Damaged> damaged) {
        try {
            ensureOpen();
            Path folder = folder(namespace);
            if (!Files.isDirectory(folder)) {
                if (Files.exists(folder)) {
                    throw new CorruptDataException("json store " + root + " holds a file " + folder
                            + " where the folder of namespace '" + namespace + "' belongs");
                }
                return CompletableFuture.completedFuture(null);
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*" + FileNames.SUFFIX)) {
                for (Path file : files) {
                    if (file.getFileName().toString().startsWith(".")) {
                        continue;
                    }
                    Optional<Record> record;
                    String name = file.getFileName().toString();
                    try {
                        record = readFile(namespace, file);
                        if (record.isPresent()
                                && !FileNames.ofKey(record.get().key()).equals(name)) {
                            throw new CorruptDataException(describe(namespace, file) + " holds key '"
                                    + record.get().key() + "', whose file is "
                                    + FileNames.ofKey(record.get().key())
                                    + ": it was copied or renamed outside datastore4j");
                        }
                    } catch (CorruptDataException e) {
                        damaged.accept(new Damaged(
                                namespace, FileNames.decode(name).orElse(null), file.toString(), e.getMessage()));
                        continue;
                    }
                    record.ifPresent(sink);
                }
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new BackendException(
                    "json store " + root + " failed to scan namespace '" + namespace + "': " + e, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Moves the file to {@code <root>/.quarantine/<namespace>/<file>.<millis>}, which no scan reads. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        try {
            ensureOpen();
            Path file = entry.location() != null
                    ? Path.of(entry.location())
                    : folder(entry.namespace()).resolve(FileNames.ofKey(entry.key()));
            if (!file.normalize().startsWith(root)) {
                throw new IllegalArgumentException("refusing to quarantine " + file + ", outside " + root);
            }
            Path aside = root.resolve(QUARANTINE).resolve(FileNames.ofNamespace(entry.namespace()));
            Files.createDirectories(aside);
            Path target = aside.resolve(file.getFileName() + "." + System.currentTimeMillis());
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            FileBatch.forceFolder(file.getParent());
            FileBatch.forceFolder(aside);
            return CompletableFuture.completedFuture(target.toString());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new BackendException(
                    "json store " + root + " failed to quarantine " + entry.describe() + ": " + e, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        try {
            ensureOpen();
            Set<String> names = new TreeSet<>();
            try (DirectoryStream<Path> folders = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path folder : folders) {
                    Optional<String> name =
                            FileNames.decode(folder.getFileName().toString());
                    if (name.isPresent() && holdsDocuments(folder)) {
                        names.add(name.get());
                    }
                }
            }
            return CompletableFuture.completedFuture(names);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(
                    new BackendException("json store " + root + " failed to list namespaces: " + e, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static boolean holdsDocuments(Path folder) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "[!.]*" + FileNames.SUFFIX)) {
            return files.iterator().hasNext();
        }
    }

    /** Reads a document file; empty if it does not exist. */
    private Optional<Record> readFile(String namespace, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return Optional.of(DocumentFile.parse(bytes));
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CorruptDataException(
                    describe(namespace, file) + " is not a valid document file: " + e.getMessage(), e);
        }
    }

    private static String describe(String namespace, Path file) {
        String key = FileNames.decode(file.getFileName().toString())
                .map(k -> "key '" + k + "'")
                .orElse("a key");
        return "file " + file + " (" + key + " in namespace '" + namespace + "')";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("json store " + root + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            writers.close();
            lock.close();
        }
    }
}
