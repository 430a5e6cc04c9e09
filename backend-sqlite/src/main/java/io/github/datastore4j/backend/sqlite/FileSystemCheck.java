package io.github.datastore4j.backend.sqlite;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses a store on a network file system. WAL mode keeps its index in shared memory ({@code -shm}, mapped by every
 * process) and relies on POSIX locks that NFS, SMB and FUSE file systems do not honour across machines, or honour
 * badly: two machines opening one file there corrupt it. SQLite's own advice is not to use WAL over a network.
 */
final class FileSystemCheck {
    /** File store types ({@link java.nio.file.FileStore#type()}, from {@code /proc/mounts}) that are networked. */
    private static final Set<String> NETWORKED = Set.of(
            "nfs",
            "nfs4",
            "cifs",
            "smb",
            "smb2",
            "smb3",
            "smbfs",
            "fuse.sshfs",
            "sshfs",
            "9p",
            "afs",
            "ncpfs",
            "glusterfs",
            "fuse.glusterfs",
            "ceph",
            "fuse.ceph",
            "lustre",
            "gpfs",
            "fuse.s3fs",
            "fuse.rclone",
            "davfs",
            "fuse.davfs2",
            "fuse.gcsfuse",
            "fuse.juicefs",
            "vboxsf",
            "prl_fs");

    private FileSystemCheck() {}

    /** The type of the file system that holds (or will hold) {@code file}, or null if it cannot be told. */
    static String typeOf(Path file) {
        Path existing = file;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return null;
        }
        try {
            return Files.getFileStore(existing).type();
        } catch (IOException e) {
            return null;
        }
    }

    /** Throws {@code INVALID_OPTION} if {@code type} is a network file system's. */
    static void requireLocal(String shown, String type) {
        if (type != null && NETWORKED.contains(type.toLowerCase(Locale.ROOT))) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION,
                    "sqlite: " + shown + " is on a network file system (" + type + "); SQLite's WAL mode needs shared"
                            + " memory and locks on one machine and would corrupt the file there. Keep the file on a"
                            + " local disk, or use postgres: for processes on several machines");
        }
    }
}
