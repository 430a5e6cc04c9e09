package io.github.datastore4j.backend.h2;

import io.github.datastore4j.api.LockedException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.h2.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage per H2 database, in any combination of processes and URLs. Three parts, each for a case the others miss:
 *
 * <ol>
 *   <li>an entry in this process's registry, taken before anything touches the file, keyed by the file's real path
 *       and, once it exists, its file key (device and inode), so symbolic and hard links meet the same entry. It
 *       must come first: the file lock H2 takes is a POSIX record lock, which the kernel drops when this process
 *       closes <em>any</em> descriptor of the file, so a second opener in this process must not even read it;
 *   <li>a row lock on {@code DATASTORE4J_LOCK}: a connection of its own selects the {@code lock} row {@code FOR UPDATE}
 *       and keeps that transaction open for the storage's lifetime. It catches a second storage that reaches the same
 *       database through another URL, in this process or through an H2 server. The lock is the open transaction, not
 *       the row's content, so it goes with its holder: H2 drops it when the connection closes, when an embedded
 *       holder's process dies, and when an H2 server sees a client's socket close (a killed client's kernel closes
 *       it; the server rolls the session back). A stale row never locks a store;
 *   <li>who holds it: the committed {@code holder} row, and for a database file a note beside it ({@code <name>.holder}),
 *       because a second process on an embedded file is refused by H2's own file lock before it can read any row.
 *       Both are only names for messages; neither is ever the lock.
 * </ol>
 *
 * <p>Not thread-safe by itself: the backend calls it under its own lock.
 */
final class H2StoreLock {
    private static final Logger LOG = LoggerFactory.getLogger(H2StoreLock.class);
    private static final String TABLE = "DATASTORE4J_LOCK";
    /** How long a second opener waits for the row lock: long enough for a server to drop a killed client's session. */
    private static final int WAIT_MILLIS = 2_000;

    /** Keys of the databases held by storages of this process, to the holder; guarded by itself. */
    private static final Map<String, String> HELD_HERE = new HashMap<>();

    private final List<String> keys = new ArrayList<>();
    private final String database;
    private final Path holderFile;
    private final String holder;
    private boolean wroteHolderFile;
    private boolean released;

    private H2StoreLock(String database, Path holderFile, String holder) {
        this.database = database;
        this.holderFile = holderFile;
        this.holder = holder;
    }

    /**
     * Claims the database in this process.
     *
     * @param file the database file, or null when there is none on the default file system
     * @param url the URL, the key when there is no file
     * @param database how messages name the database
     * @param holderFile where to note the holder for other processes, or null
     * @throws LockedException if a storage of this process holds it
     */
    static H2StoreLock claim(Path file, String url, String database, Path holderFile) {
        String holder = "pid " + ProcessHandle.current().pid() + "@" + HostName.VALUE + " since "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS);
        H2StoreLock lock = new H2StoreLock(database, holderFile, holder);
        lock.claim(file == null ? List.of("url:" + url) : keysOf(file));
        return lock;
    }

    /** Also claims the keys {@code file} has now that it exists (its file key); call once the database is open. */
    void claimCreated(Path file) {
        if (file != null) {
            List<String> now = new ArrayList<>(keysOf(file));
            now.removeAll(keys);
            claim(now);
        }
    }

    private void claim(List<String> more) {
        synchronized (HELD_HERE) {
            for (String key : more) {
                String existing = HELD_HERE.get(key);
                if (existing != null) {
                    throw new LockedException("H2 database " + database + " is already open in this process, held by "
                            + existing + "; close that storage first: one storage per database");
                }
            }
            for (String key : more) {
                HELD_HERE.put(key, holder);
                keys.add(key);
            }
        }
    }

    /** The file's real path (through its parent, as the file may not exist yet) and, if it exists, its file key. */
    private static List<String> keysOf(Path file) {
        List<String> keys = new ArrayList<>(2);
        Path real = file;
        try {
            real = file.getParent().toRealPath().resolve(file.getFileName());
        } catch (IOException e) {
            // the folder does not exist yet: nobody has the file open
        }
        keys.add("path:" + real);
        try {
            Object fileKey =
                    Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            if (fileKey != null) {
                keys.add("file:" + fileKey);
            }
        } catch (IOException e) {
            // no file yet
        }
        return keys;
    }

    /**
     * Takes the row lock on {@code lockConnection}, which it keeps in an open transaction until that connection is
     * closed, and records this holder through {@code writer} (committed, so other openers can read it).
     *
     * @throws LockedException naming the recorded holder if another storage holds the row lock
     */
    void hold(Connection lockConnection, Connection writer) throws SQLException {
        try (Statement ddl = writer.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (NAME VARCHAR(16) PRIMARY KEY,"
                    + " HOLDER VARCHAR(1024) NOT NULL, SINCE TIMESTAMP WITH TIME ZONE NOT NULL)");
            // a plain read decides, so an opener never waits on the held row just to create it
            ddl.execute("INSERT INTO " + TABLE + " SELECT 'lock', '', CURRENT_TIMESTAMP WHERE NOT EXISTS"
                    + " (SELECT 1 FROM " + TABLE + " WHERE NAME = 'lock')");
            writer.commit();
        } catch (SQLException e) {
            writer.rollback();
            if (e.getErrorCode() != ErrorCode.DUPLICATE_KEY_1) { // another opener created it first
                throw e;
            }
        }
        lockConnection.setAutoCommit(false);
        try (Statement lock = lockConnection.createStatement()) {
            lock.execute("SET LOCK_TIMEOUT " + WAIT_MILLIS);
            lock.executeQuery("SELECT NAME FROM " + TABLE + " WHERE NAME = 'lock' FOR UPDATE")
                    .close();
        } catch (SQLException e) {
            if (e.getErrorCode() == ErrorCode.LOCK_TIMEOUT_1 || e.getErrorCode() == ErrorCode.DEADLOCK_1) {
                throw new LockedException(
                        "H2 database " + database + " is held by another storage: " + recordedHolder(writer)
                                + "; one storage per database (waited " + WAIT_MILLIS + " ms)",
                        e);
            }
            throw e;
        }
        try (PreparedStatement record = writer.prepareStatement(
                "MERGE INTO " + TABLE + " KEY (NAME) VALUES ('holder', ?, CURRENT_TIMESTAMP)")) {
            record.setString(1, holder);
            record.executeUpdate();
            writer.commit();
        }
        writeHolderFile();
    }

    private static String recordedHolder(Connection writer) {
        try (Statement select = writer.createStatement();
                ResultSet rows = select.executeQuery("SELECT HOLDER FROM " + TABLE + " WHERE NAME = 'holder'")) {
            return rows.next() ? rows.getString(1) : "a holder that has not recorded itself yet";
        } catch (SQLException e) {
            return "a holder that cannot be read (" + e.getMessage() + ")";
        }
    }

    /** The error for H2 refusing the file because another process has it open, naming that process if it noted itself. */
    LockedException heldByAnotherProcess(SQLException cause) {
        String noted = null;
        if (holderFile != null) {
            try {
                noted = Files.readString(holderFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        return new LockedException(
                "H2 database " + database + " is open elsewhere"
                        + (noted != null ? ": " + noted + " (as noted in " + holderFile + ")" : " (holder unknown)")
                        + "; embedded H2 allows one storage per file",
                cause);
    }

    private void writeHolderFile() {
        if (holderFile == null || wroteHolderFile) {
            return; // none, or still there from before H2 closed the database under this storage
        }
        Path temporary = holderFile.resolveSibling(holderFile.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, holder + System.lineSeparator(), StandardCharsets.UTF_8);
            Files.move(temporary, holderFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            wroteHolderFile = true;
        } catch (IOException e) {
            // only a name for other processes' messages; the store is locked all the same
            LOG.warn("cannot note the holder of H2 database {} in {}: {}", database, holderFile, e.toString());
        }
    }

    /** Removes the holder note while the lock is still held, so it never names a holder that let go. */
    void forgetHolderFile() {
        if (wroteHolderFile) {
            wroteHolderFile = false;
            try {
                Files.deleteIfExists(holderFile);
            } catch (IOException e) {
                LOG.warn("cannot remove the holder note {} of H2 database {}: {}", holderFile, database, e.toString());
            }
        }
    }

    /** Gives up this process's claim; the row lock goes with its connection. Idempotent. */
    void release() {
        forgetHolderFile();
        if (!released) {
            released = true;
            synchronized (HELD_HERE) {
                keys.forEach(HELD_HERE::remove);
            }
        }
    }

    /** Resolved once: a slow name service must not slow every open. */
    private static final class HostName {
        static final String VALUE = resolve();

        private static String resolve() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "unknown-host";
            }
        }
    }
}
