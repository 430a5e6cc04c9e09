package io.github.datastore4j.benchmarks;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.LongNode;

/**
 * The MapDB baseline: the file the mapdb backend opens (transactions on, mmap where supported), one {@code BTreeMap<String,
 * byte[]>}, a commit per write. MapDB's transaction is global to the file, so writers take a write lock and readers a
 * read lock — otherwise a reader could see another writer's uncommitted change.
 */
final class RawMapDb implements Subject {
    private final DB db;
    private final BTreeMap<String, byte[]> map;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    RawMapDb(Path file) {
        this.db = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .make();
        this.map = db.treeMap("kv", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    private <T> T read(Supplier<T> work) {
        lock.readLock().lock();
        try {
            return work.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    private <T> T write(Supplier<T> work) {
        lock.writeLock().lock();
        try {
            T result = work.get();
            db.commit();
            return result;
        } catch (RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private JsonNode value(String key) {
        byte[] bytes = map.get(key);
        return bytes == null ? null : Documents.MAPPER.readTree(bytes);
    }

    private void put(String key, JsonNode value) {
        map.put(key, Documents.MAPPER.writeValueAsBytes(value));
    }

    @Override
    public JsonNode get(String key) {
        return read(() -> value(key));
    }

    @Override
    public void set(String key, JsonNode value) {
        write(() -> {
            put(key, value);
            return null;
        });
    }

    @Override
    public void update(String key, UnaryOperator<JsonNode> function) {
        write(() -> {
            JsonNode before = value(key);
            if (before == null) {
                throw new IllegalStateException("no document " + key);
            }
            put(key, function.apply(before));
            return null;
        });
    }

    @Override
    public long increment(String key, long delta) {
        return write(() -> {
            JsonNode before = value(key);
            long after = (before == null ? 0 : before.asLong()) + delta;
            put(key, LongNode.valueOf(after));
            return after;
        });
    }

    @Override
    public int push(String key, JsonNode item) {
        return write(() -> {
            JsonNode before = value(key);
            ArrayNode array = before == null ? Documents.MAPPER.createArrayNode() : (ArrayNode) before;
            array.add(item);
            put(key, array);
            return array.size();
        });
    }

    @Override
    public boolean delete(String key) {
        return write(() -> map.remove(key) != null);
    }

    @Override
    public List<String> keys(String fromKey, int limit) {
        return read(
                () -> map.tailMap(fromKey, true).keySet().stream().limit(limit).toList());
    }

    @Override
    public void setAll(Map<String, JsonNode> entries) {
        write(() -> {
            entries.forEach(this::put);
            return null;
        });
    }

    @Override
    public int loadAll() {
        return read(() -> {
            Map<String, JsonNode> all = new HashMap<>();
            map.forEach((key, bytes) -> all.put(key, Documents.MAPPER.readTree(bytes)));
            return all.size();
        });
    }

    @Override
    public void close() {
        db.close();
    }
}
