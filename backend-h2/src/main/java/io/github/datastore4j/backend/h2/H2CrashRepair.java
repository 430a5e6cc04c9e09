package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.BackendException;
import io.github.datastore4j.api.CorruptDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back the newest complete commit of an H2 file that was not closed cleanly, before H2's SQL engine opens it.
 *
 * <p><b>Why.</b> H2's MVStore (checked on 2.5.252 and its sources) writes each commit as a chunk, placed at the end of
 * the file or in free space a dead chunk left. After an unclean shutdown it finds the newest chunk from three places
 * only: the chunk the store header names, the chunk that ends the file, and the chain of "next" positions each chunk
 * predicts for its successor. When a chunk lands in free space where its predecessor did not predict, H2 rewrites the
 * store header to fix the chain, but it does so before it records the new chunk as the last one, so the header names
 * the predecessor. The new chunk is then in none of the three places, nor is every chunk after it until the header is
 * written again, and H2's quick recovery silently opens an older version: commits that {@code COMMIT} and
 * {@code CHECKPOINT SYNC} had acknowledged are gone. It needs space to reuse, so a store hits it once dead chunks have
 * aged past H2's 45 s retention time; the crash kit lost one or two commits in about 1 kill of 25 on a busy store.
 *
 * <p><b>How.</b> The MVStore's recovery mode does not trust the header: it scans the file for every chunk whose
 * header and footer agree and opens the newest whose referenced chunks are all intact. Opening the file that way and
 * closing it normally (no compaction, no data page rewritten: only the layout map may be committed) leaves a clean
 * header that names that chunk, which H2's SQL engine then opens as it is. A cleanly closed file is left alone. The
 * scan reads the file's blocks once, so it costs time only after a crash.
 *
 * <p>The caller holds the store's lock in this process. A file held by another process is left alone: the MVStore's
 * file lock refuses it, and H2's own open then reports the holder.
 *
 * <p>Stateless; safe to call from any thread, for different files at once.
 */
final class H2CrashRepair {
    private static final Logger LOG = LoggerFactory.getLogger(H2CrashRepair.class);
    /** MVStore's block size: its two header blocks are the first two. */
    private static final int BLOCK = 4096;

    private H2CrashRepair() {}

    /**
     * Repairs {@code file} if it was not closed cleanly.
     *
     * @param file an existing MVStore file that starts with its header
     * @return whether the file was scanned and repaired
     * @throws CorruptDataException if no complete set of chunks is left in it
     * @throws BackendException if the file cannot be read or the repair cannot be written (such as a full disk); the
     *     file is then as it was, and the next open repairs it again
     */
    static boolean repairIfUnclean(Path file) {
        byte[] headerBlocks = readHeaderBlocks(file);
        if (closedCleanly(headerBlocks)) {
            return false;
        }
        long started = System.nanoTime();
        MVStore store;
        try {
            store = new MVStore.Builder()
                    .fileName(file.toString())
                    .recoveryMode()
                    .autoCommitDisabled()
                    .open();
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                return false; // another process has it open; H2's own open names the holder
            }
            if (e.getErrorCode() == DataUtils.ERROR_FILE_CORRUPT) {
                throw new CorruptDataException(
                        "H2 database file " + file + " is corrupt: no complete commit found in it (" + e.getMessage()
                                + ")",
                        e);
            }
            throw new BackendException(
                    "cannot recover H2 database file " + file + " after an unclean shutdown: " + e, e);
        }
        long named = versionNamedBy(headerBlocks);
        if (named > 0 && store.getCurrentVersion() == 0) {
            store.closeImmediately(); // writes nothing: the file stays as it is for whoever restores it
            throw new CorruptDataException("H2 database file " + file + " is corrupt: its header names version " + named
                    + ", and no complete commit is left in it; restore it from a backup");
        }
        try {
            store.close(); // closeStore(normal, no compaction): commits only the layout map, writes a clean header
        } catch (MVStoreException e) {
            store.closeImmediately();
            throw new BackendException(
                    "cannot write the recovered state of H2 database file " + file + ": " + rootCause(e), e);
        }
        LOG.info(
                "h2: {} was not closed cleanly; recovered its newest complete commit by scanning every chunk in {} ms",
                file,
                (System.nanoTime() - started) / 1_000_000);
        return true;
    }

    /** The highest version a readable header block names, or 0 (a new store's header names none). */
    private static long versionNamedBy(byte[] blocks) {
        long version = 0;
        for (int start = 0; start + BLOCK <= blocks.length; start += BLOCK) {
            String value = field(new String(blocks, start, BLOCK, StandardCharsets.ISO_8859_1), "version");
            if (value != null) {
                try {
                    version = Math.max(version, Long.parseLong(value, 16));
                } catch (NumberFormatException e) {
                    // a damaged block: the other one may still say
                }
            }
        }
        return version;
    }

    /**
     * Whether both header blocks are the same and say the store was closed: what H2 itself needs to skip recovery.
     * Anything else (a header being rewritten, a damaged block) is treated as unclean, which only costs a scan.
     */
    static boolean closedCleanly(Path file) {
        return closedCleanly(readHeaderBlocks(file));
    }

    private static boolean closedCleanly(byte[] blocks) {
        if (blocks.length < 2 * BLOCK || !Arrays.equals(blocks, 0, BLOCK, blocks, BLOCK, 2 * BLOCK)) {
            return false;
        }
        String clean = field(new String(blocks, 0, BLOCK, StandardCharsets.ISO_8859_1), "clean");
        return clean != null && !clean.equals("0");
    }

    /** The file's first two blocks, or fewer bytes when it is shorter. */
    private static byte[] readHeaderBlocks(Path file) {
        ByteBuffer headers = ByteBuffer.allocate(2 * BLOCK);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (headers.hasRemaining() && channel.read(headers, headers.position()) >= 0) {
                // read both blocks, or to the end of a short file
            }
        } catch (IOException e) {
            throw new BackendException("cannot read H2 database file " + file + ": " + e, e);
        }
        return Arrays.copyOf(headers.array(), headers.position());
    }

    /** A field of a header block's first line ({@code H:2,block:…,clean:1,…}), or null. */
    private static String field(String block, String name) {
        int end = block.indexOf('\n');
        if (end < 0) {
            return null;
        }
        for (String field : block.substring(0, end).split(",")) {
            if (field.startsWith(name + ":")) {
                return field.substring(name.length() + 1);
            }
        }
        return null;
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + cause + ")";
    }
}
