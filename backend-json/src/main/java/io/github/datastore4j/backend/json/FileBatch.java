package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.spi.Mutation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch of file changes, applied so that a batch that fails leaves the files as they were: what the engine was
 * told failed is not on disk after a reopen.
 *
 * <ol>
 *   <li><b>prepare</b>, in parallel: each new content is written to a temp file beside its target and forced. A full
 *       disk fails here, before anything is visible, and the temp files are removed.
 *   <li><b>apply</b>: each temp file is renamed over its target, atomically; the content it replaces is first kept
 *       under a second name (a hard link: no data is copied, no space is needed), and a deleted file is renamed aside
 *       rather than removed.
 *   <li><b>force</b> every folder whose entries changed.
 * </ol>
 *
 * If apply or force fails, the applied changes are undone from what was kept aside, in reverse order, and the folders
 * forced again; if it succeeds, what was kept aside is removed. A crash at any point leaves each file old or new;
 * files kept aside or half-written ({@code .tmp-}, {@code .old-}, {@code .del-}) are swept when the store next opens.
 *
 * <p>Not thread-safe: one batch at a time, from the backend's writer.
 */
final class FileBatch {
    private static final Logger LOG = LoggerFactory.getLogger(FileBatch.class);
    static final String TEMP_PREFIX = ".tmp-";
    private static final String OLD_PREFIX = ".old-";
    private static final String DELETED_PREFIX = ".del-";

    private final List<Change> changes = new ArrayList<>();
    private final Set<Path> folders = new LinkedHashSet<>();

    /** {@code files}: the last mutation of each target file, in batch order. */
    FileBatch(Map<Path, Mutation> files) {
        files.forEach((file, mutation) -> changes.add(new Change(file, mutation)));
    }

    /** Applies the batch; on failure undoes it and throws the failure. */
    void apply(ParallelWriter writers, Set<Path> createdFolders) throws IOException {
        folders.addAll(createdFolders);
        List<Change> applied = new ArrayList<>(changes.size());
        try {
            writers.run(changes.size(), i -> {
                changes.get(i).prepare();
                return null;
            });
            for (Change change : changes) {
                if (change.apply()) {
                    applied.add(change);
                    folders.add(change.target.getParent());
                }
            }
            for (Path folder : folders) {
                forceFolder(folder);
            }
        } catch (IOException | RuntimeException | Error e) {
            undo(applied, e);
            throw e;
        } finally {
            for (Change change : changes) {
                change.deleteQuietly(change.temp);
            }
        }
        for (Change change : applied) {
            change.deleteQuietly(change.keptAside); // not forced: a crash leaves it to the sweep
        }
    }

    private void undo(List<Change> applied, Throwable failure) {
        for (int i = applied.size() - 1; i >= 0; i--) {
            try {
                applied.get(i).undo();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
                LOG.error("could not undo the change of {} after a failed batch", applied.get(i).target, e);
            }
        }
        for (Path folder : folders) {
            try {
                forceFolder(folder);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Removes what interrupted batches left in {@code folder}. */
    static void sweep(Path folder) throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(folder, entry -> {
            String name = entry.getFileName().toString();
            return name.startsWith(TEMP_PREFIX) || name.startsWith(OLD_PREFIX) || name.startsWith(DELETED_PREFIX);
        })) {
            for (Path leftover : leftovers) {
                LOG.info("removing {}, left by an interrupted write", leftover);
                Files.deleteIfExists(leftover);
            }
        }
    }

    /** Forces a folder's entries to disk; a file system that cannot (Windows) is trusted with its own ordering. */
    static void forceFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }

    /** The change of one file. */
    private static final class Change {
        final Path target;
        final Mutation mutation;
        /** The new content, forced, not yet visible. */
        Path temp;
        /** What the change replaced or deleted, kept until the batch is durable. */
        Path keptAside;

        Change(Path target, Mutation mutation) {
            this.target = target;
            this.mutation = mutation;
        }

        private Path sibling(String prefix) {
            return target.resolveSibling(prefix + UUID.randomUUID());
        }

        void prepare() throws IOException {
            if (!(mutation instanceof Mutation.Put)) {
                return;
            }
            byte[] bytes = DocumentFile.format(((Mutation.Put) mutation).record());
            Path file = sibling(TEMP_PREFIX);
            temp = file;
            try (FileChannel channel =
                    FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
        }

        /** Makes the change visible; returns false for a delete of a file that was not there. */
        boolean apply() throws IOException {
            if (temp == null) {
                if (!Files.exists(target)) {
                    return false;
                }
                keptAside = sibling(DELETED_PREFIX);
                move(target, keptAside);
                return true;
            }
            if (Files.exists(target)) {
                Path old = sibling(OLD_PREFIX);
                Files.createLink(old, target);
                keptAside = old;
            }
            move(temp, target);
            temp = null;
            return true;
        }

        void undo() throws IOException {
            if (mutation instanceof Mutation.Put) {
                if (keptAside != null) {
                    move(keptAside, target);
                } else {
                    Files.deleteIfExists(target);
                }
            } else {
                move(keptAside, target);
            }
            keptAside = null;
        }

        void deleteQuietly(Path file) {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    LOG.warn("could not remove {}; it is swept at the next open", file, e);
                }
            }
        }

        private static void move(Path from, Path to) throws IOException {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + to.getParent() + " cannot replace files atomically", e);
            }
        }
    }
}
