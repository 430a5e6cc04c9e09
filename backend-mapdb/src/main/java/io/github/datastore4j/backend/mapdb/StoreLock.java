package io.github.datastore4j.backend.mapdb;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.LockedException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One store, one holder: the file {@code <store>.lock}, locked with {@link FileChannel#tryLock()} for the storage's
 * lifetime and holding the holder's pid, host and start, which a refused opener names.
 *
 * <p>The lock is an {@code fcntl} lock, owned by the process, and POSIX drops all of a process's locks on a file when
 * <em>any</em> descriptor of that file closes. So an open in a process that already holds the store must fail without
 * opening the lock file at all: the holders of this process are kept in a map, checked first. A refused open closes
 * only descriptors it opened while the process held no lock on that file. In the one case where the JVM holds the lock
 * through a channel this map does not know (a second copy of this class in another class loader), the channel is
 * parked, never closed, so the other copy's lock stays in force.
 */
final class StoreLock implements AutoCloseable {
    private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();
    private static final List<FileChannel> PARKED = new CopyOnWriteArrayList<>();
    private static final String HOST = hostName();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of {@code store}. */
    static Path lockFileOf(Path store) {
        return store.resolveSibling(store.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code store}, whose folder exists.
     *
     * @throws LockedException naming the holder when another storage, in this process or another, holds it
     */
    static StoreLock acquire(Path store) {
        Path key;
        try {
            // beside the real file, so that a symbolic link to the store or its folder finds the same lock
            Path real = Files.exists(store)
                    ? store.toRealPath()
                    : store.getParent().toRealPath().resolve(store.getFileName());
            key = lockFileOf(real);
        } catch (IOException e) {
            throw new BackendException("cannot lock MapDB file " + store + ": " + e.getMessage(), e);
        }
        Path lockFile = key;
        String holder = "pid " + ProcessHandle.current().pid() + " on " + HOST + " since " + Instant.now();
        String already = HELD_HERE.putIfAbsent(key, holder);
        if (already != null) {
            throw new LockedException("MapDB file " + store + " is already open in this process (" + already
                    + "); close that storage first");
        }
        FileChannel channel = null;
        boolean taken = false;
        try {
            channel = FileChannel.open(
                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                park(channel);
                channel = null;
                throw new LockedException(
                        "MapDB file " + store + " is already open in this process (pid "
                                + ProcessHandle.current().pid() + ", through another copy of the mapdb backend)",
                        e);
            }
            if (lock == null) {
                throw new LockedException("MapDB file " + store + " is open in another process (" + holderOf(channel)
                        + ", as " + lockFile + " says); MapDB allows one process at a time");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            taken = true;
            return new StoreLock(key, channel, lock);
        } catch (IOException e) {
            throw new BackendException("cannot lock MapDB file " + store + " with " + lockFile + ": " + e, e);
        } finally {
            if (!taken) {
                if (channel != null) {
                    try {
                        channel.close(); // this process holds no lock on the file: closing it drops nothing
                    } catch (IOException e) {
                        // nothing was taken through it
                    }
                }
                HELD_HERE.remove(key);
            }
        }
    }

    /** Keeps {@code channel} open for good: closing it would drop a lock this JVM holds through another channel. */
    static void park(FileChannel channel) {
        PARKED.add(channel);
    }

    private static String holderOf(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(512);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
        return text.isEmpty() ? "a holder that has not written its pid yet" : text;
    }

    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name != null && !name.isBlank()) {
            return name;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }

    /** Releases the lock; the file stays, so that no opener ever locks a file another one is about to delete. */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new BackendException("cannot release the lock of " + key + ": " + e.getMessage(), e);
        } finally {
            HELD_HERE.remove(key);
        }
    }
}
