package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.LockedException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.mapdb.DataIO;
import org.mapdb.DataInput2;
import org.mapdb.volume.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MapDB's store file behind a redo journal, so that every {@link #sync()} — MapDB's commit — lands whole or not at
 * all. MapDB 3.1.0's {@code StoreWAL.commit()} copies a transaction into the file in place (header first, then index
 * values, free lists and records) and its constructor never replays the write-ahead log, so a process killed during
 * that copy leaves a file that mixes two commits: acknowledged changes roll back and B-tree links can form cycles.
 *
 * <p>Here writes stay in memory, as {@value #PAGE}-byte after-images of the pages they touch, until {@link #sync()}:
 * that reserves the file's new length, writes every page to the journal {@code <file>.journal} in one checksummed
 * (CRC32C) piece and forces it — the commit point — then writes the pages into the file, forces it, and marks the
 * journal spent. {@link #open} first replays a complete journal (replaying one twice is harmless: it holds whole
 * pages) and ignores a torn one, whose commit never happened. So a commit costs two {@code fdatasync}s.
 *
 * <p>A failed {@link #sync()} before the commit point throws {@link UncheckedIOException} and leaves the file as it
 * was; the pages it held are then useless, and MapDB's in-memory state with them: the caller must close this volume
 * and open the store again. A failure after the commit point leaves the change durable in the journal; later syncs
 * then fail, and the next open replays it.
 *
 * <p><b>Concurrency.</b> MapDB reads from any thread and writes only under its own exclusive locks (commit, rollback,
 * creation), which order these calls; page images live in a concurrent map so readers never see a torn one.
 */
final class JournaledVolume extends Volume {
    private static final Logger LOG = LoggerFactory.getLogger(JournaledVolume.class);

    /** Page size of the after-images: MapDB's index values are 8 bytes apart, so small pages keep journals small. */
    static final int PAGE = 512;

    static final long MAGIC = 0x6D617064624A726EL; // "mapdbJrn"
    private static final int HEADER = Long.BYTES + Long.BYTES + Integer.BYTES + Integer.BYTES;
    private static final int ZEROS = 64 * 1024;

    private final Path path;
    private final Path journalPath;
    private final FileChannel file;
    private final FileChannel journal;
    private final Map<Long, byte[]> pages = new ConcurrentHashMap<>();
    private volatile long length;
    private long fileLength;
    private volatile IOException committedButNotApplied;

    private JournaledVolume(Path path, Path journalPath, FileChannel file, FileChannel journal) throws IOException {
        this.path = path;
        this.journalPath = journalPath;
        this.file = file;
        this.journal = journal;
        this.fileLength = file.size();
        this.length = fileLength;
    }

    /** The journal beside {@code file}. */
    static Path journalOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".journal");
    }

    /**
     * Opens {@code path} for MapDB, first replaying its journal if that holds a whole commit. The caller holds the
     * store's lock; nothing here locks.
     */
    static JournaledVolume open(Path path) throws IOException {
        Path journalPath = journalOf(path);
        FileChannel file =
                FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel journal = null;
        try {
            lockAgainstOlderVersions(path, file);
            journal = FileChannel.open(
                    journalPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            replay(path, file, journalPath, journal);
            return new JournaledVolume(path, journalPath, file, journal);
        } catch (IOException | RuntimeException e) {
            closeQuietly(journal, e);
            if (!(e.getCause() instanceof OverlappingFileLockException)) {
                closeQuietly(file, e); // parked otherwise
            }
            throw e;
        }
    }

    /**
     * Locks the store file itself too, as MapDB's own volumes do, so that a process running a version of this backend
     * from before {@link StoreLock} is kept out, and keeps it out.
     */
    private static void lockAgainstOlderVersions(Path path, FileChannel file) throws IOException {
        FileLock lock;
        try {
            lock = file.tryLock();
        } catch (OverlappingFileLockException e) {
            StoreLock.park(file); // held through another channel of this JVM: closing ours would drop that lock
            throw new LockedException(
                    "MapDB file " + path + " is open in this process (pid "
                            + ProcessHandle.current().pid() + ") by an older version of the mapdb backend",
                    e);
        }
        if (lock == null) {
            throw new LockedException("MapDB file " + path + " is open in another process that does not use "
                    + StoreLock.lockFileOf(path) + " (an older version of the mapdb backend)");
        }
    }

    private static void replay(Path path, FileChannel file, Path journalPath, FileChannel journal) throws IOException {
        long size = journal.size();
        if (size < HEADER + Integer.BYTES) {
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(journal, header, 0);
        header.flip();
        long magic = header.getLong();
        long length = header.getLong();
        int count = header.getInt();
        int pageSize = header.getInt();
        long total = HEADER + (long) count * (Long.BYTES + PAGE) + Integer.BYTES;
        if (magic != MAGIC
                || pageSize != PAGE
                || count < 0
                || length < 0
                || total > size
                || total > Integer.MAX_VALUE) {
            return; // spent, or torn before its header was whole: that commit never happened
        }
        ByteBuffer whole = ByteBuffer.allocate((int) total);
        readFully(journal, whole, 0);
        CRC32C crc = new CRC32C();
        crc.update(whole.array(), 0, (int) total - Integer.BYTES);
        if ((int) crc.getValue() != whole.getInt((int) total - Integer.BYTES)) {
            return; // torn: its commit never happened, the file holds the one before
        }
        whole.position(HEADER);
        for (int i = 0; i < count; i++) {
            long page = whole.getLong();
            ByteBuffer image = whole.slice(whole.position(), PAGE);
            whole.position(whole.position() + PAGE);
            writeFully(file, image, page * PAGE);
        }
        if (file.size() < length) {
            writeFully(file, ByteBuffer.allocate(1), length - 1);
        }
        file.force(false);
        writeFully(journal, ByteBuffer.allocate(Long.BYTES), 0);
        journal.force(false);
        LOG.info("replayed {} pages of the last commit into MapDB file {} from {}", count, path, journalPath);
    }

    @Override
    public void ensureAvailable(long offset) {
        if (offset > length) {
            length = offset;
        }
    }

    @Override
    public void truncate(long size) {
        // MapDB's StoreWAL never shrinks its file; a shrink would need its own journal entry
        throw new UnsupportedOperationException("MapDB file " + path + " cannot be truncated to " + size);
    }

    @Override
    public void putLong(long offset, long value) {
        byte[] bytes = new byte[Long.BYTES];
        DataIO.putLong(bytes, 0, value);
        putData(offset, bytes, 0, bytes.length);
    }

    @Override
    public void putInt(long offset, int value) {
        byte[] bytes = new byte[Integer.BYTES];
        DataIO.putInt(bytes, 0, value);
        putData(offset, bytes, 0, bytes.length);
    }

    @Override
    public void putByte(long offset, byte value) {
        putData(offset, new byte[] {value}, 0, 1);
    }

    @Override
    public void putData(long offset, byte[] src, int srcPos, int srcSize) {
        while (srcSize > 0) {
            long page = offset / PAGE;
            int in = (int) (offset % PAGE);
            int n = Math.min(srcSize, PAGE - in);
            System.arraycopy(src, srcPos, pages.computeIfAbsent(page, this::loadPage), in, n);
            offset += n;
            srcPos += n;
            srcSize -= n;
        }
        if (offset > length) {
            length = offset;
        }
    }

    @Override
    public void putData(long offset, ByteBuffer buf) {
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        putData(offset, bytes, 0, bytes.length);
    }

    @Override
    public long getLong(long offset) {
        byte[] bytes = new byte[Long.BYTES];
        getData(offset, bytes, 0, bytes.length);
        return DataIO.getLong(bytes, 0);
    }

    @Override
    public int getInt(long offset) {
        byte[] bytes = new byte[Integer.BYTES];
        getData(offset, bytes, 0, bytes.length);
        return DataIO.getInt(bytes, 0);
    }

    @Override
    public byte getByte(long offset) {
        byte[] bytes = new byte[1];
        getData(offset, bytes, 0, 1);
        return bytes[0];
    }

    @Override
    public DataInput2 getDataInput(long offset, int size) {
        byte[] bytes = new byte[size];
        getData(offset, bytes, 0, size);
        return new DataInput2.ByteArray(bytes);
    }

    @Override
    public void getData(long offset, byte[] bytes, int bytesPos, int size) {
        if (pages.isEmpty()) {
            readFile(offset, bytes, bytesPos, size);
            return;
        }
        while (size > 0) {
            long page = offset / PAGE;
            int in = (int) (offset % PAGE);
            int n = Math.min(size, PAGE - in);
            byte[] image = pages.get(page);
            if (image != null) {
                System.arraycopy(image, in, bytes, bytesPos, n);
            } else {
                readFile(offset, bytes, bytesPos, n);
            }
            offset += n;
            bytesPos += n;
            size -= n;
        }
    }

    @Override
    public void clear(long startOffset, long endOffset) {
        putData(startOffset, new byte[(int) (endOffset - startOffset)], 0, (int) (endOffset - startOffset));
    }

    /**
     * Makes the pages written since the last sync durable, all or none: reserve, journal, force (the commit point),
     * write back, force, mark the journal spent.
     */
    @Override
    public synchronized void sync() {
        if (committedButNotApplied != null) {
            throw new UncheckedIOException(
                    "MapDB file " + path + ": an earlier commit is in " + journalPath
                            + " but could not be written into the file; reopen the store to replay it",
                    committedButNotApplied);
        }
        if (pages.isEmpty()) {
            return;
        }
        TreeMap<Long, byte[]> images = new TreeMap<>(pages);
        reserve();
        writeJournal(images);
        try {
            for (Map.Entry<Long, byte[]> image : images.entrySet()) {
                writeFully(file, ByteBuffer.wrap(image.getValue()), image.getKey() * PAGE);
            }
            file.force(false);
            writeFully(journal, ByteBuffer.allocate(Long.BYTES), 0); // spent; replaying it again would be harmless
        } catch (IOException e) {
            committedButNotApplied = e;
            LOG.error(
                    "MapDB file {}: a commit is durable in {} but writing it into the file failed",
                    path,
                    journalPath,
                    e);
            return; // the commit stands (the journal is durable); the next open replays it
        }
        fileLength = Math.max(fileLength, length);
        pages.keySet().removeAll(images.keySet());
    }

    /** Grows the file to its new length now, so that writing the pages back cannot run out of space. */
    private void reserve() {
        long target = length;
        if (target <= fileLength) {
            return;
        }
        try {
            ByteBuffer zeros = ByteBuffer.allocate(ZEROS);
            for (long at = fileLength; at < target; at += ZEROS) {
                zeros.clear().limit((int) Math.min(ZEROS, target - at));
                writeFully(file, zeros, at);
            }
            fileLength = target;
        } catch (IOException e) {
            try {
                file.truncate(fileLength); // give back what was taken: it holds nothing yet
            } catch (IOException truncate) {
                e.addSuppressed(truncate);
            }
            throw new UncheckedIOException(
                    "cannot grow MapDB file " + path + " to " + target + " bytes: " + e.getMessage(), e);
        }
    }

    private void writeJournal(TreeMap<Long, byte[]> images) {
        int total = HEADER + images.size() * (Long.BYTES + PAGE) + Integer.BYTES;
        ByteBuffer buffer = ByteBuffer.allocate(total);
        buffer.putLong(MAGIC).putLong(length).putInt(images.size()).putInt(PAGE);
        images.forEach((page, image) -> buffer.putLong(page).put(image));
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, total - Integer.BYTES);
        buffer.putInt((int) crc.getValue()).flip();
        try {
            writeFully(journal, buffer, 0);
            journal.force(false);
        } catch (IOException e) {
            try {
                writeFully(journal, ByteBuffer.allocate(Long.BYTES), 0); // never let a half-known journal replay
            } catch (IOException spoil) {
                e.addSuppressed(spoil);
            }
            throw new UncheckedIOException(
                    "cannot write the journal " + journalPath + " of MapDB file " + path + ": " + e.getMessage(), e);
        }
    }

    private byte[] loadPage(long page) {
        byte[] image = new byte[PAGE];
        readFile(page * PAGE, image, 0, PAGE);
        return image;
    }

    /** Reads from the file as last synced; past its end it reads zeros, as MapDB expects of space it allocated. */
    private void readFile(long offset, byte[] bytes, int bytesPos, int size) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, bytesPos, size);
        try {
            while (buffer.hasRemaining()) {
                if (file.read(buffer, offset + buffer.position() - bytesPos) < 0) {
                    java.util.Arrays.fill(bytes, buffer.position(), bytesPos + size, (byte) 0);
                    return;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read MapDB file " + path + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new IOException("unexpected end of file at " + (offset + buffer.position()));
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        long at = offset;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    /** Closes the files. Pages never synced are dropped: they belong to a commit that did not happen. */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pages.clear();
        IOException failure = null;
        try {
            if (committedButNotApplied == null) {
                journal.truncate(0); // spent: nothing to replay after a clean close
            }
        } catch (IOException e) {
            failure = e;
        }
        for (FileChannel channel : new FileChannel[] {journal, file}) {
            try {
                channel.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new UncheckedIOException("cannot close MapDB file " + path + ": " + failure.getMessage(), failure);
        }
    }

    private static void closeQuietly(FileChannel channel, Exception into) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                into.addSuppressed(e);
            }
        }
    }

    @Override
    public int sliceSize() {
        return -1;
    }

    @Override
    public boolean isSliced() {
        return false;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public File getFile() {
        return path.toFile();
    }

    @Override
    public boolean getFileLocked() {
        return true; // by the caller's StoreLock
    }
}
