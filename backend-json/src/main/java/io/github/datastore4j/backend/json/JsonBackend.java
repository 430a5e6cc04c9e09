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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Documents as files: {@code <root>/<namespace>/<key>.json}, names encoded by {@link FileNames}, each file a JSON
 * object with {@code key}, {@code rev}, {@code schemaVersion} and {@code checksum} on lines of their own, then the
 * {@code metadata} if the document has any and the {@code value}, both exactly as the engine wrote them (compact),
 * so that they are returned byte for byte.
 *
 * <p><b>Durability.</b> A put writes a temp file in the target folder, forces it, moves it over the target
 * atomically, and the folder is forced once per batch; a delete removes the file and forces the folder. So a crash
 * leaves every file either old or new, and an acknowledged batch is on disk. A batch as a whole is not atomic.
 * Temp files left by a crash are swept on open.
 *
 * <p><b>Concurrency contract.</b> Writes come from one thread at a time (the engine's commit thread); reads and scans
 * may run beside them and see each file old or new, never torn. All futures complete on the calling thread. The
 * {@link StoreLock} keeps other processes, and other storages in this one, out.
 */
final class JsonBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(JsonBackend.class);
    private static final String TEMP_PREFIX = ".tmp-";
    static final String QUARANTINE = ".quarantine";
    private static final JsonMapper COMPACT = JsonMapper.shared();

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
                try (DirectoryStream<Path> temps = Files.newDirectoryStream(namespace, TEMP_PREFIX + "*")) {
                    for (Path temp : temps) {
                        LOG.info("removing {}, left by an interrupted write", temp);
                        Files.deleteIfExists(temp);
                    }
                }
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
            // Last write of a file wins, so the files left are distinct and can be written in any order, in parallel.
            Map<Path, Mutation> files = new LinkedHashMap<>();
            Set<Path> touched = new LinkedHashSet<>();
            for (Mutation mutation : batch) {
                Path folder = folder(mutation.namespace());
                Path file = folder.resolve(FileNames.ofKey(mutation.key()));
                files.remove(file);
                files.put(file, mutation);
                if (mutation instanceof Mutation.Put && !Files.isDirectory(folder)) {
                    Files.createDirectories(folder);
                    touched.add(root); // the new folder's entry must reach the disk too
                }
            }
            List<Map.Entry<Path, Mutation>> work = new ArrayList<>(files.entrySet());
            touched.addAll(writers.run(
                    work.size(),
                    i -> writeFile(work.get(i).getKey(), work.get(i).getValue())));
            for (Path folder : touched) {
                forceFolder(folder);
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(
                    new BackendException("json store " + root + " failed to write: " + e, e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Writes or deletes one file; returns the folder whose entries changed, or {@code null} if none did. */
    private Path writeFile(Path file, Mutation mutation) throws IOException {
        Path folder = file.getParent();
        if (mutation instanceof Mutation.Put) {
            writeAtomically(folder, file, toFile(((Mutation.Put) mutation).record()));
            return folder;
        }
        return Files.deleteIfExists(file) ? folder : null;
    }

    private static void writeAtomically(Path folder, Path target, byte[] bytes) throws IOException {
        Path temp = folder.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + folder + " cannot replace files atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp); // only left if the move failed
        }
    }

    /** Forces a folder's entries to disk; a file system that cannot (Windows) is trusted with its own ordering. */
    private static void forceFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
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
                return CompletableFuture.completedFuture(null);
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*" + FileNames.SUFFIX)) {
                for (Path file : files) {
                    if (file.getFileName().toString().startsWith(".")) {
                        continue;
                    }
                    Optional<Record> record;
                    try {
                        record = readFile(namespace, file);
                    } catch (CorruptDataException e) {
                        String name = file.getFileName().toString();
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
            forceFolder(file.getParent());
            forceFolder(aside);
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

    /**
     * A record's file: a pretty envelope whose {@code value} is the record's value bytes verbatim, so they come back
     * byte for byte (re-serializing JSON numbers is not always exact, and the checksum is of those bytes).
     */
    private static byte[] toFile(Record record) {
        byte[] value = record.value();
        byte[] metadata = record.metadata();
        requireJson(record.key(), "value", value);
        if (metadata.length > 0) {
            requireJson(record.key(), "metadata", metadata);
        }
        String header = "{\n  \"key\" : " + COMPACT.writeValueAsString(record.key())
                + ",\n  \"rev\" : " + record.rev()
                + ",\n  \"schemaVersion\" : " + record.schemaVersion()
                + ",\n  \"checksum\" : " + record.checksum()
                + (metadata.length > 0 ? ",\n  \"metadata\" : " : "");
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        byte[] valueName = ",\n  \"value\" : ".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\n}\n".getBytes(StandardCharsets.UTF_8);
        ByteBuffer file =
                ByteBuffer.allocate(head.length + metadata.length + valueName.length + value.length + tail.length);
        return file.put(head).put(metadata).put(valueName).put(value).put(tail).array();
    }

    /** Validates that {@code bytes} are one JSON value; a backend stores JSON only. */
    private static void requireJson(String key, String what, byte[] bytes) {
        try (JsonParser parser = COMPACT.createParser(bytes)) {
            while (parser.nextToken() != null) {
                // reading every token is the check
            }
        } catch (JacksonException e) {
            throw new IllegalArgumentException(what + " of key '" + key + "' is not JSON", e);
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
            return Optional.of(parseFile(bytes));
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CorruptDataException(
                    describe(namespace, file) + " is not a valid document file: " + e.getMessage(), e);
        }
    }

    /** Parses a document file, taking the value's bytes verbatim from between its first and last token. */
    private static Record parseFile(byte[] bytes) {
        String key = null;
        Long rev = null;
        Integer schemaVersion = null;
        Long checksum = null;
        int valueStart = -1;
        int valueEnd = -1;
        int metadataStart = -1;
        int metadataEnd = -1;
        try (JsonParser parser = COMPACT.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("it is not a JSON object");
            }
            JsonToken token = parser.nextToken();
            while (token == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                switch (name) {
                    case "key" -> key = valueToken == JsonToken.VALUE_STRING ? parser.getString() : null;
                    case "rev" -> rev = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "schemaVersion" ->
                        schemaVersion = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                    case "checksum" ->
                        checksum = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "value" ->
                        valueStart = (int) parser.currentTokenLocation().getByteOffset();
                    case "metadata" ->
                        metadataStart = (int) parser.currentTokenLocation().getByteOffset();
                    default -> {
                        // unknown fields are tolerated, so later versions may add some
                    }
                }
                parser.skipChildren();
                token = parser.nextToken();
                if ("value".equals(name)) {
                    valueEnd = (int) parser.currentTokenLocation().getByteOffset(); // next name or the closing }
                } else if ("metadata".equals(name)) {
                    metadataEnd = (int) parser.currentTokenLocation().getByteOffset();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new IllegalArgumentException("it has content after the document object");
            }
        }
        if (key == null || rev == null || schemaVersion == null || checksum == null || valueStart < 0) {
            throw new IllegalArgumentException("it lacks a key, rev, schemaVersion, checksum or value");
        }
        byte[] metadata = metadataStart < 0 ? new byte[0] : verbatim(bytes, metadataStart, metadataEnd);
        return new Record(key, rev, schemaVersion, checksum, verbatim(bytes, valueStart, valueEnd), metadata);
    }

    /** The bytes of a field's JSON value, from its first token to before the separator that follows it. */
    private static byte[] verbatim(byte[] bytes, int start, int end) {
        while (end > start && (Character.isWhitespace(bytes[end - 1]) || bytes[end - 1] == ',')) {
            end--;
        }
        return Arrays.copyOfRange(bytes, start, end);
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
