package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.LockedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive {@link FileLock} on {@code <store>/.datastore4j.lock}, held for the life of the backend, with the
 * holder's pid written inside so that a refused opener can say who holds it. The operating system releases the lock
 * when the holder dies, even by {@code kill -9}, so a crash never leaves a store locked.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE_NAME = ".datastore4j.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
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
        Path file = folder.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another storage in this JVM
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
                channel.close();
                throw new LockedException("json store " + folder + " is locked by "
                        + (holder.isEmpty() ? "another process" : holder)
                        + "; one process at a time may open a store folder (close the other storage, or use h2: for"
                        + " several processes)");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
            return new StoreLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new BackendException("cannot lock json store " + folder + ": " + e, e);
        }
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
    }
}
