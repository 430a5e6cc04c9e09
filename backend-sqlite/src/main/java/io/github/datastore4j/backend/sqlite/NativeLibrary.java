package io.github.datastore4j.backend.sqlite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Keeps sqlite-jdbc's native library out of {@code java.io.tmpdir}.
 *
 * <p>Left alone, sqlite-jdbc copies its library to {@code sqlite-<version>-<uuid>-libsqlitejdbc.so} and a {@code
 * .lck} beside it in {@code org.sqlite.tmpdir} (default {@code java.io.tmpdir}) on every JVM start, and deletes both
 * only at a normal exit ({@code deleteOnExit}). A JVM killed with {@code kill -9} leaves both behind, and its later
 * clean-up keeps every library whose {@code .lck} exists: each kill litters the temp folder with 1 MB for good.
 *
 * <p>So, once per JVM and unless the application chose a library itself ({@code org.sqlite.lib.path} set), the
 * library is copied once to a folder named by the driver's version and the library's checksum — {@code
 * datastore4j.sqlite.nativeDir}, else {@code $XDG_CACHE_HOME/datastore4j}, else {@code ~/.cache/datastore4j} — written
 * under a temporary name and moved into place, compared byte for byte before each use, and named to the driver
 * through its documented {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}: it loads that file and extracts
 * nothing. Where that folder cannot be written the driver's own extraction is left to run, with a warning.
 */
final class NativeLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    static final String LIB_PATH = "org.sqlite.lib.path";
    static final String LIB_NAME = "org.sqlite.lib.name";
    static final String NATIVE_DIR = "datastore4j.sqlite.nativeDir";

    private static boolean prepared;

    private NativeLibrary() {}

    /** Points the driver at a cached copy of its library, once per JVM; before the first connection. */
    static synchronized void prepare() {
        if (prepared || System.getProperty(LIB_PATH) != null) {
            prepared = true;
            return;
        }
        prepared = true;
        String name = LibraryLoaderUtil.getNativeLibName();
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
        byte[] library;
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return; // no library for this platform in the jar: the driver looks on java.library.path
            }
            library = in.readAllBytes();
        } catch (IOException e) {
            LOG.warn("cannot read sqlite-jdbc's native library {}: {}; the driver extracts it itself", resource, e);
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(library);
        Path folder = cacheRoot()
                .resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-" + Long.toHexString(crc.getValue()));
        Path target = folder.resolve(name);
        try {
            if (!Files.isRegularFile(target) || !Arrays.equals(Files.readAllBytes(target), library)) {
                Files.createDirectories(folder);
                Path partial = Files.createTempFile(folder, name, ".partial");
                try {
                    Files.write(partial, library);
                    try {
                        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "cannot keep sqlite-jdbc's native library in {} ({}); the driver extracts it to {} instead, where a"
                            + " killed JVM leaves it behind",
                    folder,
                    e.toString(),
                    System.getProperty("org.sqlite.tmpdir", System.getProperty("java.io.tmpdir")));
            return;
        }
        System.setProperty(LIB_PATH, folder.toString());
        System.setProperty(LIB_NAME, name);
    }

    private static Path cacheRoot() {
        String chosen = System.getProperty(NATIVE_DIR);
        if (chosen != null && !chosen.isBlank()) {
            return Path.of(chosen);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "datastore4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "datastore4j");
    }
}
