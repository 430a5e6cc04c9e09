package io.github.datastore4j.benchmarks;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.LongNode;

/**
 * The H2 baseline: plain JDBC on an embedded database, one connection per thread, a {@code (K, VAL)} table, {@code
 * SELECT … FOR UPDATE} for read-modify-write, and {@code CHECKPOINT SYNC} after each commit — the durability the h2
 * backend gives (without it H2 keeps committed data in memory for its write delay).
 */
final class RawH2 implements Subject {
    private final String url;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Connection> connection = ThreadLocal.withInitial(this::connect);

    RawH2(Path database) {
        this.url = "jdbc:h2:" + database.toAbsolutePath();
        try (Statement statement = connection.get().createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS KV (K VARCHAR(1024) PRIMARY KEY, VAL VARBINARY NOT NULL)");
            connection.get().commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Connection connect() {
        try {
            Connection c = DriverManager.getConnection(url);
            c.setAutoCommit(false);
            connections.add(c);
            return c;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open " + url, e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** H2's "unique index or primary key violation": two transactions inserted the same new key. */
    private static final String DUPLICATE_KEY = "23505";

    /**
     * Runs {@code work} in a transaction of this thread's connection; commits durably when {@code writes}. {@code
     * FOR UPDATE} locks nothing when the row does not exist yet, so two first writes of a key both insert: the loser
     * fails on the primary key and runs again, now seeing the winner's row.
     */
    private <T> T inTransaction(boolean writes, Work<T> work) {
        for (; ; ) {
            try {
                return attempt(writes, work);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof SQLException)
                        || !DUPLICATE_KEY.equals(((SQLException) e.getCause()).getSQLState())) {
                    throw e;
                }
            }
        }
    }

    private <T> T attempt(boolean writes, Work<T> work) {
        Connection c = connection.get();
        try {
            T result = work.run(c);
            c.commit();
            if (writes) {
                try (Statement statement = c.createStatement()) {
                    statement.execute("CHECKPOINT SYNC");
                }
            }
            return result;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode select(Connection c, String key, boolean forUpdate) throws SQLException {
        try (PreparedStatement select =
                c.prepareStatement("SELECT VAL FROM KV WHERE K = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Documents.MAPPER.readTree(rows.getBytes(1)) : null;
            }
        }
    }

    private static void merge(Connection c, Map<String, JsonNode> entries) throws SQLException {
        try (PreparedStatement merge = c.prepareStatement("MERGE INTO KV (K, VAL) KEY (K) VALUES (?, ?)")) {
            for (Map.Entry<String, JsonNode> entry : entries.entrySet()) {
                merge.setString(1, entry.getKey());
                merge.setBytes(2, Documents.MAPPER.writeValueAsBytes(entry.getValue()));
                merge.addBatch();
            }
            merge.executeBatch();
        }
    }

    /** A new key is inserted, so that a concurrent first write of it fails instead of being overwritten. */
    private static void write(Connection c, String key, JsonNode value, boolean isNew) throws SQLException {
        if (!isNew) {
            merge(c, Map.of(key, value));
            return;
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO KV (K, VAL) VALUES (?, ?)")) {
            insert.setString(1, key);
            insert.setBytes(2, Documents.MAPPER.writeValueAsBytes(value));
            insert.executeUpdate();
        }
    }

    @Override
    public JsonNode get(String key) {
        return inTransaction(false, c -> select(c, key, false));
    }

    @Override
    public void set(String key, JsonNode value) {
        setAll(Map.of(key, value));
    }

    @Override
    public void update(String key, UnaryOperator<JsonNode> function) {
        inTransaction(true, c -> {
            JsonNode before = select(c, key, true);
            if (before == null) {
                throw new IllegalStateException("no document " + key);
            }
            merge(c, Map.of(key, function.apply(before)));
            return null;
        });
    }

    @Override
    public long increment(String key, long delta) {
        return inTransaction(true, c -> {
            JsonNode before = select(c, key, true);
            long after = (before == null ? 0 : before.asLong()) + delta;
            write(c, key, LongNode.valueOf(after), before == null);
            return after;
        });
    }

    @Override
    public int push(String key, JsonNode item) {
        return inTransaction(true, c -> {
            JsonNode before = select(c, key, true);
            ArrayNode array = before == null ? Documents.MAPPER.createArrayNode() : (ArrayNode) before;
            array.add(item);
            write(c, key, array, before == null);
            return array.size();
        });
    }

    @Override
    public boolean delete(String key) {
        return inTransaction(true, c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM KV WHERE K = ?")) {
                delete.setString(1, key);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<String> keys(String fromKey, int limit) {
        return inTransaction(false, c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT K FROM KV WHERE K >= ? ORDER BY K LIMIT ?")) {
                select.setString(1, fromKey);
                select.setInt(2, limit);
                List<String> keys = new ArrayList<>(limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        keys.add(rows.getString(1));
                    }
                }
                return keys;
            }
        });
    }

    @Override
    public void setAll(Map<String, JsonNode> entries) {
        inTransaction(true, c -> {
            merge(c, entries);
            return null;
        });
    }

    @Override
    public int loadAll() {
        return inTransaction(false, c -> {
            Map<String, JsonNode> all = new HashMap<>();
            try (Statement statement = c.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT K, VAL FROM KV")) {
                while (rows.next()) {
                    all.put(rows.getString(1), Documents.MAPPER.readTree(rows.getBytes(2)));
                }
            }
            return all.size();
        });
    }

    @Override
    public void close() {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
