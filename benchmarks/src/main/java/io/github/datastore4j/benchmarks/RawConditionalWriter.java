package io.github.datastore4j.benchmarks;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The raw baseline of {@link SharedStores}: what a hand-written writer of the same rows does, one transaction per
 * write on its own connection. A key's first write inserts it if absent, the next ones update it if its revision is
 * the one last written; each applied write appends a change row. Not thread-safe: one per writer thread.
 */
final class RawConditionalWriter implements AutoCloseable {
    private final Connection connection;
    private final PreparedStatement update;
    private final PreparedStatement insert;
    private final PreparedStatement change;
    private final PreparedStatement hint;
    private final java.sql.Statement control;
    private final String begin;
    private final String namespace;
    private final byte[] value;
    private final Map<String, Long> revs = new HashMap<>();

    /** @param hintStatement run in each transaction too (PostgreSQL's {@code NOTIFY}), or {@code null} */
    RawConditionalWriter(SharedTarget.RawStore store, String namespace, byte[] value, String hintStatement)
            throws SQLException {
        this.connection = store.connect();
        this.namespace = namespace;
        this.value = value;
        this.begin = store.begin().isEmpty() ? null : store.begin();
        this.control = connection.createStatement();
        connection.setAutoCommit(begin != null); // with a BEGIN statement of its own, each write brackets itself
        update = connection.prepareStatement(
                "UPDATE " + store.records() + " SET rev = ?, value = ? WHERE ns = ? AND k = ? AND rev = ?");
        insert = connection.prepareStatement("INSERT INTO " + store.records() + " (ns, k, rev, value)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (ns, k) DO NOTHING");
        change = connection.prepareStatement(
                "INSERT INTO " + store.changes() + " (ns, k, rev, value) VALUES (?, ?, ?, ?)");
        hint = hintStatement == null ? null : connection.prepareStatement(hintStatement);
    }

    void write(String key) throws SQLException {
        if (begin != null) {
            control.execute(begin);
        }
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long expected = revs.getOrDefault(key, 0L);
        long rev = expected + 1;
        int applied;
        if (expected == 0) {
            insert.setString(1, namespace);
            insert.setBytes(2, k);
            insert.setLong(3, rev);
            insert.setBytes(4, value);
            applied = insert.executeUpdate();
        } else {
            update.setLong(1, rev);
            update.setBytes(2, value);
            update.setString(3, namespace);
            update.setBytes(4, k);
            update.setLong(5, expected);
            applied = update.executeUpdate();
        }
        if (applied != 1) {
            rollback();
            throw new IllegalStateException("conflict on " + key + ", which only this writer writes");
        }
        change.setString(1, namespace);
        change.setBytes(2, k);
        change.setLong(3, rev);
        change.setBytes(4, value);
        change.executeUpdate();
        if (hint != null) {
            hint.execute();
        }
        if (begin != null) {
            control.execute("COMMIT");
        } else {
            connection.commit();
        }
        revs.put(key, rev);
    }

    private void rollback() throws SQLException {
        if (begin != null) {
            control.execute("ROLLBACK");
        } else {
            connection.rollback();
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
