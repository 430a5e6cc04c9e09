package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendCapabilities;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * Records in a MapDB file store with transactions enabled: one {@code BTreeMap<String, byte[]>} per namespace, named
 * {@code ns/<namespace>}, each value {@code rev (8) | schemaVersion (4) | checksum (8) | value bytes}, or for a
 * document with metadata {@code rev (8) | schemaVersion (4) | checksum (8) | 0 (1) | metadata length (4) | metadata
 * bytes | value bytes} (JSON never starts with byte 0, so records written before metadata read unchanged). A batch is
 * applied and committed as one transaction, so it survives a crash whole or not at all (write-ahead log).
 *
 * <p><b>Concurrency contract.</b> MapDB's single global transaction would show readers a half-applied batch, so
 * writes hold a write lock from the first change to the commit and reads hold a read lock. Futures complete on the
 * calling thread. MapDB's file lock keeps other processes, and other storages in this one, out.
 */
final class MapDbBackend implements Backend {
    private static final String PREFIX = "ns/";
    private static final int HEADER = Long.BYTES + Integer.BYTES + Long.BYTES;

    private final Path file;
    private final DB db;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private MapDbBackend(Path file, DB db) {
        this.file = file;
        this.db = db;
    }

    static MapDbBackend open(Path file) {
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            DB db = DBMaker.fileDB(file.toFile())
                    .transactionEnable()
                    .fileMmapEnableIfSupported()
                    .make();
            return new MapDbBackend(file, db);
        } catch (DBException.FileLocked e) {
            throw new LockedException(
                    "MapDB file " + file + " is open in another process or storage (pid "
                            + ProcessHandle.current().pid() + " tried); MapDB allows one at a time",
                    e);
        } catch (IOException | DBException e) {
            throw new BackendException("cannot open MapDB file " + file + ": " + e, e);
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
            ensureOpen();
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
            ensureOpen();
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
            try {
                if (!closed) {
                    db.rollback();
                }
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            return CompletableFuture.failedFuture(wrap("write " + batch.size() + " changes", e));
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public CompletableFuture<Void> scan(String namespace, Consumer<? super Record> sink) {
        lock.readLock().lock();
        try {
            ensureOpen();
            if (db.exists(PREFIX + namespace)) {
                for (Map.Entry<String, byte[]> entry : map(namespace).entrySet()) {
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
            ensureOpen();
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
            ensureOpen();
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
            if (!closed) {
                db.rollback();
            }
            return CompletableFuture.failedFuture(wrap("quarantine " + entry.describe(), e));
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
        if (e instanceof IllegalStateException && closed) {
            return e;
        }
        return new BackendException("MapDB file " + file + " failed to " + what + ": " + e, e);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("MapDB backend " + file + " is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                db.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
