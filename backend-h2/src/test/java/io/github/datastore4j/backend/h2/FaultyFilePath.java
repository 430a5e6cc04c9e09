package io.github.datastore4j.backend.h2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system, {@code faulty:<path>}, over the default one, whose writes fail on demand with an {@link IOException}
 * as a full or failing disk would: deterministic fault injection, no timing. Register it once with {@link #register()}.
 */
public final class FaultyFilePath extends FilePathWrapper {
    private static volatile boolean failWrites;

    /** Registers the {@code faulty:} scheme with H2 (idempotent). */
    static void register() {
        FilePath.register(new FaultyFilePath());
    }

    /** From now on every write to a {@code faulty:} file fails ({@code true}), or none does. */
    static void failWrites(boolean fail) {
        failWrites = fail;
    }

    @Override
    public String getScheme() {
        return "faulty";
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return new FaultyChannel(getBase().open(mode), name);
    }

    private static final class FaultyChannel extends FileBase {
        private final FileChannel base;
        private final String name;

        FaultyChannel(FileChannel base, String name) {
            this.base = base;
            this.name = name;
        }

        private void failIfAsked() throws IOException {
            if (failWrites) {
                throw new IOException("Input/output error (injected by FaultyFilePath) writing " + name);
            }
        }

        @Override
        public int write(ByteBuffer source, long position) throws IOException {
            failIfAsked();
            return base.write(source, position);
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            failIfAsked();
            return base.write(source);
        }

        @Override
        public int read(ByteBuffer target, long position) throws IOException {
            return base.read(target, position);
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            return base.read(target);
        }

        @Override
        public long position() throws IOException {
            return base.position();
        }

        @Override
        public FileChannel position(long position) throws IOException {
            base.position(position);
            return this;
        }

        @Override
        public long size() throws IOException {
            return base.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            failIfAsked();
            base.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            failIfAsked();
            base.force(metaData);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return base.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            base.close();
        }
    }
}
