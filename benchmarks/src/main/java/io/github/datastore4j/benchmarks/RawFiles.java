package io.github.datastore4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.LongNode;

/**
 * The json baseline: plain Jackson and one file per key, written the durable way (temp file, {@code force}, atomic
 * rename, folder {@code force}), with striped locks for read-modify-write. No envelope, no checksum, no key encoding
 * (keys are checked to be file-name safe), no index: listing keys lists the folder.
 */
final class RawFiles implements Subject {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]{1,200}");
    private static final String TEMP = ".tmp-";

    private final Path folder;
    private final Object[] stripes = new Object[256];
    private final AtomicLong temps = new AtomicLong();

    RawFiles(Path folder) {
        this.folder = folder;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object stripe(String key) {
        return stripes[Math.floorMod(key.hashCode(), stripes.length)];
    }

    private Path file(String key) {
        if (!SAFE.matcher(key).matches()) {
            throw new IllegalArgumentException("raw files baseline takes [A-Za-z0-9_-] keys only, got " + key);
        }
        return folder.resolve(key);
    }

    @Override
    public JsonNode get(String key) {
        try {
            return Documents.MAPPER.readTree(Files.readAllBytes(file(key)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void set(String key, JsonNode value) {
        synchronized (stripe(key)) {
            writeFile(key, value);
        }
        forceFolder();
    }

    @Override
    public void update(String key, UnaryOperator<JsonNode> function) {
        synchronized (stripe(key)) {
            JsonNode before = get(key);
            if (before == null) {
                throw new IllegalStateException("no document " + key);
            }
            writeFile(key, function.apply(before));
        }
        forceFolder();
    }

    @Override
    public long increment(String key, long delta) {
        long after;
        synchronized (stripe(key)) {
            JsonNode before = get(key);
            after = (before == null ? 0 : before.asLong()) + delta;
            writeFile(key, LongNode.valueOf(after));
        }
        forceFolder();
        return after;
    }

    @Override
    public int push(String key, JsonNode item) {
        int size;
        synchronized (stripe(key)) {
            JsonNode before = get(key);
            ArrayNode array = before == null ? Documents.MAPPER.createArrayNode() : (ArrayNode) before;
            array.add(item);
            writeFile(key, array);
            size = array.size();
        }
        forceFolder();
        return size;
    }

    @Override
    public boolean delete(String key) {
        boolean deleted;
        synchronized (stripe(key)) {
            try {
                deleted = Files.deleteIfExists(file(key));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        forceFolder();
        return deleted;
    }

    @Override
    public List<String> keys(String fromKey, int limit) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> !name.startsWith(TEMP) && name.compareTo(fromKey) >= 0)
                    .sorted()
                    .limit(limit)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void setAll(Map<String, JsonNode> entries) {
        entries.forEach((key, value) -> {
            synchronized (stripe(key)) {
                writeFile(key, value);
            }
        });
        forceFolder();
    }

    @Override
    public int loadAll() {
        Map<String, JsonNode> all = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            files.map(path -> path.getFileName().toString())
                    .filter(name -> !name.startsWith(TEMP))
                    .forEach(key -> all.put(key, get(key)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.size();
    }

    /** Temp file in the same folder, forced, then renamed over the old file: readers see old or new, never half. */
    private void writeFile(String key, JsonNode value) {
        Path target = file(key);
        Path temp = folder.resolve(TEMP + temps.incrementAndGet());
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(Documents.MAPPER.writeValueAsBytes(value));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes the renames durable: one folder fsync covers every rename before it. */
    private void forceFolder() {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {}
}
