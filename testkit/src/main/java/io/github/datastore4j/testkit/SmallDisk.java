package io.github.datastore4j.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real file system of a few megabytes — a tmpfs mounted for one test — that a test can fill up and free again, to
 * see what a backend does when the disk is full. Mounting needs root (as here and in CI); elsewhere the test is
 * skipped through a JUnit assumption, saying why.
 *
 * <pre>{@code
 * try (SmallDisk disk = SmallDisk.mount(directory.resolve("disk"), 8 << 20)) {
 *     disk.fill();   // leaves almost no space
 *     ...            // writes fail
 *     disk.free();
 * }
 * }</pre>
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;
    private final Path filler;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.filler = mountPoint.resolve("filler");
    }

    /** Mounts a tmpfs of {@code bytes} at {@code mountPoint}, created if absent; skips the test if it cannot. */
    public static SmallDisk mount(Path mountPoint, long bytes) throws IOException, InterruptedException {
        assumeTrue(
                "root".equals(ProcessHandle.current().info().user().orElse("")),
                "mounting a small tmpfs needs root; the full-disk test runs where the tests run as root (CI)");
        Files.createDirectories(mountPoint);
        int exit = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mountPoint.toString());
        assumeTrue(exit == 0, "mount -t tmpfs failed (exit " + exit + "): no mount permission in this sandbox");
        return new SmallDisk(mountPoint);
    }

    /** Where the file system is mounted. */
    public Path path() {
        return mountPoint;
    }

    /** Fills the file system with a filler file, until the next write fails with "No space left on device". */
    public void fill() throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (; ; ) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            if (Files.getFileStore(mountPoint).getUsableSpace() > block.length) {
                throw full; // not the disk being full
            }
        }
    }

    /** Removes the filler file: the space is free again. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    /** Unmounts (lazily, so that a file a failed backend still holds cannot keep it mounted). */
    @Override
    public void close() throws IOException, InterruptedException {
        run("umount", "-l", mountPoint.toString());
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
