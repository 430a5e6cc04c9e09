package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.LockedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive {@link FileLock} on {@code <store>/.datastore4j.lock}, held for the life of the backend, with the
 * holder's pid written inside so that a refused opener can say who holds it. The operating system releases the lock
 * when the holder dies, even by {@code kill -9}, so a crash never leaves a store locked.
 *
 * <p>POSIX record locks belong to the process, and closing <em>any</em> descriptor of the file releases them all. So
 * a store locked by this JVM is refused from a registry, without opening the lock file again: a second opener that
 * opened, failed and closed it would silently unlock the store for every other process. Thread-safe.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE_NAME = ".datastore4j.lock";

    /** Stores this JVM holds, by real path, with who holds them. */
    private static final ConcurrentHashMap<Path, String> HELD_HERE = new ConcurrentHashMap<>();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code folder}.
     *
     * @throws LockedException naming the folder and the holder's pid if another process, or another storage in this
     *     one, holds it
     */
    static StoreLock acquire(Path folder) {
        Path key;
        try {
            key = folder.toRealPath();
        } catch (IOException e) {
            throw new BackendException("cannot lock json store " + folder + ": " + e, e);
        }
        String me = "pid " + ProcessHandle.current().pid() + " (this process, since " + Instant.now() + ")";
        String holderHere = HELD_HERE.putIfAbsent(key, me);
        if (holderHere != null) {
            throw locked(folder, holderHere);
        }
        Path file = key.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                // another process holds it: closing our descriptors releases nothing of its lock
                ByteBuffer holder = ByteBuffer.allocate(256);
                channel.read(holder, 0);
                String text = new String(holder.array(), 0, holder.position(), StandardCharsets.UTF_8).trim();
                throw locked(folder, text.isEmpty() ? "another process" : text);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
            return new StoreLock(key, channel, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            HELD_HERE.remove(key, me);
            if (e instanceof LockedException) {
                throw (LockedException) e;
            }
            throw new BackendException("cannot lock json store " + folder + ": " + e, e);
        }
    }

    private static LockedException locked(Path folder, String holder) {
        return new LockedException("json store " + folder + " is locked by " + holder
                + "; one process at a time may open a json store folder (close the other storage first)");
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel close below releases it anyway
        }
        closeQuietly(channel);
        HELD_HERE.remove(key);
    }
}
