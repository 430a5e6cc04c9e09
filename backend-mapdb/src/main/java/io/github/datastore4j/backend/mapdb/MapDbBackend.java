package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.mapdb.BTreeMap;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;
import org.mapdb.volume.ByteArrayVol;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in a MapDB file store with transactions enabled: one {@code BTreeMap<String, byte[]>} per namespace, named
 * {@code ns/<namespace>}, each value {@code rev (8) | schemaVersion (4) | checksum (8) | value bytes}, or for a
 * document with metadata {@code rev (8) | schemaVersion (4) | checksum (8) | 0 (1) | metadata length (4) | metadata
 * bytes | value bytes} (JSON never starts with byte 0, so records written before metadata read unchanged).
 *
 * <p><b>What is durable.</b> A batch is applied and committed as one MapDB transaction; when {@link #write} completes,
 * the whole batch has been forced to disk ({@code fdatasync}) through the redo journal {@code <file>.journal} (see
 * {@link JournaledVolume}), so it survives a process kill and, as far as the disk honours {@code fdatasync}, a power
 * loss; a batch whose write failed is not there after a reopen. MapDB's own write-ahead log is never replayed by
 * MapDB 3.1.0, so it is kept in memory, and every commit reaches the file through the journal instead.
 *
 * <p><b>Failures.</b> A commit that fails (a full disk, an I/O error) fails the write with {@link BackendException}
 * naming the file and the cause, and this backend reopens MapDB from the file, which holds the last good commit, so
 * the next write can succeed once the cause is gone. If even that reopen fails, every later call fails naming the
 * first failure, until the storage is closed and opened again.
 *
 * <p><b>Concurrency contract.</b> MapDB's single global transaction would show readers a half-applied batch, so
 * writes hold a write lock from the first change to the commit and reads hold a read lock. Futures complete on the
 * calling thread. {@link StoreLock} ({@code <file>.lock}) keeps other processes, and other storages in this one, out.
 */
final class MapDbBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(MapDbBackend.class);
    private static final String PREFIX = "ns/";
    private static final int HEADER = Long.BYTES + Integer.BYTES + Long.BYTES;

    private final Path file;
    private final StoreLock storeLock;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** The open MapDB; replaced after a failed commit. Guarded by {@link #lock}. */
    private DB db;
    /** Why MapDB could not be reopened after a failed commit; then every call fails. Guarded by {@link #lock}. */
    private RuntimeException broken;

    private volatile boolean closed;

    private MapDbBackend(Path file, StoreLock storeLock, DB db) {
        this.file = file;
        this.storeLock = storeLock;
        this.db = db;
    }

    static MapDbBackend open(Path file) {
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new BackendException("cannot create the folder of MapDB file " + file + ": " + e, e);
        }
        StoreLock storeLock = StoreLock.acquire(file);
        try {
            return new MapDbBackend(file, storeLock, openDb(file));
        } catch (RuntimeException e) {
            try {
                storeLock.close();
            } catch (RuntimeException release) {
                e.addSuppressed(release);
            }
            throw e;
        }
    }

    /** Opens MapDB over the journaled file; the caller holds the store's lock. Closes what it opened if it fails. */
    private static DB openDb(Path file) {
        JournaledVolume volume;
        boolean created;
        try {
            if (Files.exists(file) && Files.size(file) == 0) {
                // a crash of whatever created it, a full disk: never a new store written over it
                throw new CorruptDataException("MapDB file " + file + " is empty (0 bytes), not a MapDB store; move it"
                        + " away to start a new store there");
            }
            deleteStaleWriteAheadLogs(file);
            created = !Files.exists(file);
            volume = JournaledVolume.open(file);
            if (created) {
                forceFolder(file);
            }
        } catch (IOException e) {
            throw new BackendException("cannot open MapDB file " + file + ": " + e, e);
        }
        try {
            boolean exists = volume.length() > 0; // before MapDB writes the header of a new store
            return new DB(makeStore(file, volume, exists), exists, true, MapDbBackend.class.getClassLoader(), 0);
        } catch (RuntimeException e) {
            try {
                volume.close();
            } catch (RuntimeException close) {
                e.addSuppressed(close);
            }
            if (created) {
                try {
                    Files.deleteIfExists(file); // ours, just made and never a store: no empty file left behind
                } catch (IOException delete) {
                    e.addSuppressed(delete);
                }
            }
            if (e instanceof DBException.DataCorruption || e instanceof DBException.WrongFormat) {
                throw new CorruptDataException("MapDB file " + file + " cannot be opened: " + e.getMessage(), e);
            }
            throw new BackendException("cannot open MapDB file " + file + ": " + describe(e), e);
        }
    }

    /**
     * MapDB's {@code StoreWAL}, as {@code DBMaker.fileDB(file).transactionEnable()} makes it, but over {@code volume}
     * for the store file and with its write-ahead log in memory: MapDB 3.1.0 never replays that log, so on disk it
     * would only cost a file, a write and an fsync per commit.
     */
    private static StoreWAL makeStore(Path file, JournaledVolume volume, boolean exists) {
        String name = file.toString();
        VolumeFactory volumes = new VolumeFactory() {
            @Override
            public Volume makeVolume(
                    String path, boolean readOnly, long lockWait, int sliceShift, long initSize, boolean fixedSize) {
                return name.equals(path) ? volume : new ByteArrayVol(sliceShift, initSize);
            }

            @Override
            public boolean exists(String path) {
                return name.equals(path) && exists;
            }

            @Override
            public boolean handlesReadonly() {
                return false;
            }
        };
        return StoreWAL.make(
                name, volumes, 0L, true, CC.STORE_DIRECT_CONC_SHIFT, 0L, 0L, false, false, false, true, false);
    }

    /** Makes the new files' names durable: fsync of the folder, where the platform allows it. */
    private static void forceFolder(Path file) {
        try (FileChannel folder = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            folder.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot fsync the folder of {}: {}", file, e.toString());
        }
    }

    /** Write-ahead logs an earlier version left on disk: MapDB 3.1.0 never reads them, and now writes none. */
    private static void deleteStaleWriteAheadLogs(Path file) throws IOException {
        for (int i = 0; Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".wal." + i)); i++) {
            LOG.info("deleted {}.wal.{}, a write-ahead log MapDB never replays", file, i);
        }
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, true, true, true, false);
    }

    private BTreeMap<String, byte[]> map(String namespace) {
        return db.treeMap(PREFIX + namespace, Serializer.STRING, Serializer.BYTE_ARRAY)
                .createOrOpen();
    }

    @Override
    public CompletableFuture<Optional<Record>> read(String namespace, String key) {
        lock.readLock().lock();
        try {
            ensureUsable();
            if (!db.exists(PREFIX + namespace)) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            byte[] stored = map(namespace).get(key);
            return CompletableFuture.completedFuture(Optional.ofNullable(stored).map(bytes -> decode(key, bytes)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(wrap("read key '" + key + "' of namespace '" + namespace + "'", e));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Void> write(List<Mutation> batch) {
        lock.writeLock().lock();
        try {
            ensureUsable();
            for (Mutation mutation : batch) {
                if (mutation instanceof Mutation.Put) {
                    Record record = ((Mutation.Put) mutation).record();
                    map(mutation.namespace()).put(record.key(), encode(record));
                } else if (db.exists(PREFIX + mutation.namespace())) {
                    map(mutation.namespace()).remove(mutation.key());
                }
            }
            db.commit();
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failedCommit("write " + batch.size() + " changes", e));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * After a failed change or commit MapDB's in-memory state is not that of the file (its commit had already
     * cleared its caches), so this drops it and reopens MapDB from the file, which holds the last good commit.
     */
    private RuntimeException failedCommit(String what, RuntimeException e) {
        RuntimeException failure = wrap(what, e);
        if (closed || broken != null) {
            return failure;
        }
        try {
            db.close();
        } catch (RuntimeException close) {
            failure.addSuppressed(close);
        }
        try {
            db = openDb(file);
        } catch (RuntimeException reopen) {
            failure.addSuppressed(reopen);
            broken = failure;
        }
        return failure;
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        lock.readLock().lock();
        try {
            ensureUsable();
            if (db.exists(PREFIX + namespace)) {
                String previous = null;
                for (Map.Entry<String, byte[]> entry : map(namespace).entrySet()) {
                    if (previous != null && entry.getKey().compareTo(previous) <= 0) {
                        // a B-tree iterates in ascending order; anything else is a cycle in its links, which
                        // would run until memory is gone. Stores written before JournaledVolume can hold one.
                        throw new CorruptDataException("MapDB file " + file + " is damaged: the B-tree of namespace '"
                                + namespace + "' yields key '" + entry.getKey() + "' after '" + previous
                                + "' (its links form a cycle); restore the file from a backup");
                    }
                    previous = entry.getKey();
                    sink.accept(decode(entry.getKey(), entry.getValue()));
                }
            }
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(wrap("scan namespace '" + namespace + "'", e));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Set<String>> namespaces() {
        lock.readLock().lock();
        try {
            ensureUsable();
            Set<String> names = new TreeSet<>();
            for (String name : db.getAllNames()) {
                if (name.startsWith(PREFIX)
                        && !map(name.substring(PREFIX.length())).isEmpty()) {
                    names.add(name.substring(PREFIX.length()));
                }
            }
            return CompletableFuture.completedFuture(names);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(wrap("list namespaces", e));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Moves the entry to the map {@code quarantine/<namespace>}, in one transaction. */
    @Override
    public CompletableFuture<String> quarantine(Damaged entry) {
        lock.writeLock().lock();
        try {
            ensureUsable();
            String aside = "quarantine/" + entry.namespace();
            byte[] stored = map(entry.namespace()).remove(entry.key());
            if (stored != null) {
                db.treeMap(aside, Serializer.STRING, Serializer.BYTE_ARRAY)
                        .createOrOpen()
                        .put(entry.key(), stored);
            }
            db.commit();
            return CompletableFuture.completedFuture("map '" + aside + "' of " + file);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failedCommit("quarantine " + entry.describe(), e));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Marks a metadata section after the header; no JSON value starts with this byte. */
    private static final byte METADATA_MARK = 0;

    private static byte[] encode(Record record) {
        byte[] value = record.value();
        byte[] metadata = record.metadata();
        int metadataSection = metadata.length == 0 ? 0 : 1 + Integer.BYTES + metadata.length;
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + metadataSection + value.length)
                .putLong(record.rev())
                .putInt(record.schemaVersion())
                .putLong(record.checksum());
        if (metadata.length > 0) {
            buffer.put(METADATA_MARK).putInt(metadata.length).put(metadata);
        }
        return buffer.put(value).array();
    }

    private Record decode(String key, byte[] stored) {
        if (stored.length < HEADER) {
            throw new IllegalStateException("MapDB file " + file + " holds " + stored.length + " bytes for key '" + key
                    + "', shorter than a record header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(stored);
        long rev = buffer.getLong();
        int schemaVersion = buffer.getInt();
        long checksum = buffer.getLong();
        byte[] metadata = new byte[0];
        if (buffer.hasRemaining() && stored[HEADER] == METADATA_MARK) {
            buffer.get();
            int length = buffer.remaining() >= Integer.BYTES ? buffer.getInt() : -1;
            if (length < 0 || length > buffer.remaining()) {
                throw new IllegalStateException("MapDB file " + file + " holds a damaged metadata section for key '"
                        + key + "': length " + length + ", " + buffer.remaining() + " bytes left");
            }
            metadata = new byte[length];
            buffer.get(metadata);
        }
        byte[] value = new byte[buffer.remaining()];
        buffer.get(value);
        return new Record(key, rev, schemaVersion, checksum, value, metadata);
    }

    private RuntimeException wrap(String what, RuntimeException e) {
        if (e instanceof IllegalStateException && closed || e instanceof DatastoreException) {
            return e;
        }
        return new BackendException("MapDB file " + file + " failed to " + what + ": " + describe(e), e);
    }

    /** The message, with the innermost cause's added when it says more (e.g. "No space left on device"). */
    private static String describe(Throwable e) {
        String text = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !text.contains(root.getMessage())) {
            text += ": " + root;
        }
        return text;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("MapDB backend " + file + " is closed");
        }
    }

    /** Fails once closed, or once MapDB could not be reopened after a failed commit. */
    private void ensureUsable() {
        ensureOpen();
        if (broken != null) {
            throw new BackendException(
                    "MapDB file " + file + " is unusable since a commit failed and MapDB could not be reopened ("
                            + broken.getMessage() + "); close the storage and open it again",
                    broken);
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                try {
                    db.close();
                } finally {
                    storeLock.close();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
