package io.github.datastore4j.backend.sqlite;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one writer of this process: the one write connection, on which every queued piece of work (a conditional
 * batch, a lease, a quarantine, a sweep) is committed in as few transactions as it can.
 *
 * <p>Each transaction starts with {@code BEGIN IMMEDIATE}, which takes SQLite's write lock at once, waiting up to
 * {@code busy_timeout} for another process's writer: a deferred transaction that reads first and upgrades later can
 * fail with {@code SQLITE_BUSY} at once, whatever the timeout, when another writer committed in between. A wait that
 * runs out fails that group with {@code LOCKED} naming the file. Each piece runs inside a {@code SAVEPOINT}, so one
 * that fails is undone alone and the others commit; after the {@code COMMIT} (forced to disk with {@code
 * synchronous=FULL}) every piece's future completes, then the {@link Listener} hears of it.
 *
 * <p><b>Other connections' commits.</b> {@code PRAGMA data_version} on the write connection changes exactly when
 * another connection (another process, mostly) committed since it was last read, and never for this connection's own
 * commits. The writer reads it at the start of each of its transactions and, when the connection is free, each time
 * {@link #lookForOthers} asks (the change signal's poller); a change is passed on once ({@link
 * Listener#committedElsewhere}). So this process's own commits, which its engine has applied already, wake no
 * reader, and a busy writer sees other processes' commits at its next transaction without waiting for the poller.
 *
 * <p><b>Who commits.</b> The connection is used under one lock, by the writer thread or by a caller of {@link #call}.
 * {@link #submit} queues a piece and wakes the writer thread, which commits everything queued by the time it has the
 * lock: the caller never blocks. {@link #call} is for a caller that would only wait: if no one is committing, it
 * commits the queue on its own thread, its piece with whatever else is queued, with no hand-off to the writer thread
 * and back (two thread switches, a large part of a lone writer's durable write on a busy machine); otherwise it
 * leaves its piece to the writer thread and waits.
 *
 * <p><b>Concurrency contract.</b> Both are thread-safe. Bodies run under the lock, one at a time; a body that submits
 * only queues (its piece commits in a later transaction), and one that calls is refused.
 */
final class GroupCommitWriter implements AutoCloseable {
    /** Pieces of work in one transaction, at most. */
    static final int GROUP = 256;

    private static final String DATA_VERSION = "PRAGMA data_version";

    private final SqliteTarget target;
    private final Connection connection;
    /** The write connection's kept statements: the transactions' own, and the bodies' ({@link #statements()}). */
    private final StatementCache statements;

    private final Listener listener;
    /** The write connection's {@code data_version} at the last look, or -1 before the first; under the lock. */
    private long dataVersion = -1;

    private final LinkedBlockingQueue<Work<?>> queue = new LinkedBlockingQueue<>();
    /** Held while the connection is in use: by the writer thread, or by a caller of {@link #call}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Released when a piece is queued for the writer thread. */
    private final Semaphore wake = new Semaphore(0);

    private final Thread thread;
    private volatile boolean closed;

    /** A transaction body, run on the write connection inside the group's transaction. */
    @FunctionalInterface
    interface Body<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Work<T>(String what, Body<T> body, CompletableFuture<T> result) {}

    /** Hears of commits; called under the writer's lock, so it must be brief and must not call the writer. */
    interface Listener {
        /** A transaction of this writer committed. */
        void committedHere();

        /** Another connection committed since the writer last looked (or it cannot tell: a hint, never lost). */
        void committedElsewhere();
    }

    GroupCommitWriter(SqliteTarget target, Connection connection, Listener listener) {
        this.target = target;
        this.connection = connection;
        this.statements = new StatementCache(connection);
        this.listener = listener;
        lock.lock();
        try {
            othersCommitted(); // the first look: what is committed now is no one's news
        } finally {
            lock.unlock();
        }
        this.thread = new Thread(
                this::run, "datastore4j-sqlite-writer " + target.file().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The write connection's kept statements, for bodies to use inside their transaction; cleared after any failure.
     */
    StatementCache statements() {
        return statements;
    }

    /** Queues {@code body}; the future completes once its transaction committed (or fails with what failed). */
    <T> CompletableFuture<T> submit(String what, Body<T> body) {
        CompletableFuture<T> result = enqueue(what, body);
        wake.release();
        return result;
    }

    /**
     * Runs {@code body} in a committed transaction and returns its result, committing on this thread if no one else
     * is committing.
     *
     * @throws IllegalStateException if called from a body: its transaction is open, so the piece could never commit
     * @throws RuntimeException what the piece failed with (as {@link #submit}'s future would), not wrapped
     */
    <T> T call(String what, Body<T> body) {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("sqlite: " + target.shown() + ": " + what + " was called from inside"
                    + " another piece's transaction; a body may only submit");
        }
        CompletableFuture<T> result = enqueue(what, body);
        if (lock.tryLock()) {
            try {
                commitQueued();
            } finally {
                lock.unlock();
            }
            if (!queue.isEmpty()) {
                wake.release(); // queued while this thread committed: the writer thread takes it
            }
        } else {
            wake.release();
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    /**
     * Tells the listener if another connection committed since the writer last looked, unless the connection is busy
     * (its transaction looks when it begins) or closed. For the change signal's poller.
     */
    void lookForOthers() {
        if (closed || !lock.tryLock()) {
            return;
        }
        try {
            if (!closed && othersCommitted()) {
                listener.committedElsewhere();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: whether {@code data_version} moved since the last look. A first look, or one that fails (the
     * next statement will say what is wrong with the connection), answers yes: a hint too many is harmless, one too
     * few delays another process's change until a reader's heartbeat.
     */
    private boolean othersCommitted() {
        try (ResultSet rows = statements.prepare(DATA_VERSION).executeQuery()) {
            rows.next();
            long now = rows.getLong(1);
            boolean moved = now != dataVersion;
            dataVersion = now;
            return moved;
        } catch (SQLException e) {
            statements.clear();
            dataVersion = -1;
            return true;
        }
    }

    private <T> CompletableFuture<T> enqueue(String what, Body<T> body) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("sqlite: " + target.shown() + " is closed"));
            return result;
        }
        queue.add(new Work<>(what, body, result));
        if (closed) {
            failQueued(); // close() may have drained the queue just before this add
        }
        return result;
    }

    private void run() {
        while (!closed) {
            try {
                if (!wake.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                wake.drainPermits(); // one pass commits everything queued so far
            } catch (InterruptedException e) {
                break;
            }
            lock.lock();
            try {
                commitQueued();
            } finally {
                lock.unlock();
            }
        }
        failQueued();
    }

    /** Under the lock: commits what is queued, a group at a time, until the queue is empty. */
    private void commitQueued() {
        List<Work<?>> group = new ArrayList<>();
        while (!closed) {
            queue.drainTo(group, GROUP);
            if (group.isEmpty()) {
                return;
            }
            try {
                commit(group);
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Work<?>> group) {
        List<Object> results = new ArrayList<>(group.size());
        List<Throwable> failures = new ArrayList<>(group.size());
        // a piece alone needs no savepoint: if it fails, the whole transaction is its to roll back
        boolean alone = group.size() == 1;
        try (Statement statement = connection.createStatement()) {
            statements.prepare("BEGIN IMMEDIATE").execute();
            if (othersCommitted()) {
                listener.committedElsewhere(); // before this transaction took the lock: readable now
            }
            try {
                for (Work<?> work : group) {
                    if (!alone) {
                        statements.prepare("SAVEPOINT piece").execute();
                    }
                    try {
                        results.add(work.body().run(connection));
                        failures.add(null);
                        if (!alone) {
                            statements.prepare("RELEASE piece").execute();
                        }
                    } catch (SQLException | RuntimeException e) {
                        statements.clear();
                        if (alone) {
                            SqliteConnections.rollBack(statement);
                            work.result().completeExceptionally(failure(work, e));
                            return;
                        }
                        undo(statement, e);
                        results.add(null);
                        failures.add(failure(work, e));
                    }
                }
                statements.prepare("COMMIT").execute();
            } catch (SQLException | RuntimeException e) {
                statements.clear();
                SqliteConnections.rollBack(statement);
                throw e;
            }
        } catch (SQLException e) {
            statements.clear();
            for (Work<?> work : group) {
                work.result().completeExceptionally(SqliteConnections.failure(target, work.what(), e));
            }
            return;
        } catch (RuntimeException e) {
            statements.clear();
            group.forEach(work -> work.result().completeExceptionally(e));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results.get(i), failures.get(i));
        }
        listener.committedHere();
    }

    private Throwable failure(Work<?> work, Exception e) {
        return e instanceof SQLException sql ? SqliteConnections.failure(target, work.what(), sql) : e;
    }

    /**
     * Undoes the piece that failed with {@code failure}. Some failures (a full disk, an I/O error) make SQLite roll the
     * whole transaction back itself; the savepoint is gone then, and the group fails with that first failure.
     */
    private static void undo(Statement statement, Exception failure) throws SQLException {
        try {
            statement.execute("ROLLBACK TO piece");
            statement.execute("RELEASE piece");
        } catch (SQLException gone) {
            if (failure instanceof SQLException sql) {
                sql.addSuppressed(gone);
                throw sql;
            }
            failure.addSuppressed(gone);
            throw gone;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Work<T> work, Object result, Throwable failure) {
        if (failure != null) {
            work.result().completeExceptionally(failure);
        } else {
            work.result().complete((T) result);
        }
    }

    private void failQueued() {
        for (Work<?> work; (work = queue.poll()) != null; ) {
            work.result().completeExceptionally(new IllegalStateException("sqlite: " + target.shown() + " is closed"));
        }
    }

    /** Lets the group in progress commit, fails what is still queued, and closes the write connection. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock(); // a caller may be committing on its own thread: let it finish
        try {
            failQueued();
            try {
                connection.close();
            } catch (SQLException e) {
                // closing: nothing is left to do with it
            }
        } finally {
            lock.unlock();
        }
    }
}
