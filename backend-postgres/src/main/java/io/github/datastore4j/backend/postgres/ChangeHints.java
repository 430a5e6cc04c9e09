package io.github.datastore4j.backend.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed's wake-up hint: {@code LISTEN} on a dedicated connection, run by one daemon thread started with the
 * first listener. Every writing transaction sends one payload-free {@code NOTIFY} (at commit, by the server's rules).
 * A hint only: the server delivers it after commit, coalesces it, and never replays what was sent while this
 * connection was down; after a lost connection the thread reconnects (with a growing pause, up to 5 s) and wakes
 * every listener once, since changes may have been missed meanwhile. Readers still poll the feed.
 *
 * <p><b>Concurrency contract.</b> Thread-safe; listeners run on the hint thread, one after another, and must be brief.
 */
final class ChangeHints {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeHints.class);
    private final PostgresTarget target;
    private final String channel;
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();
    private Thread thread;
    private boolean closed;

    ChangeHints(PostgresTarget target, String channel) {
        this.target = target;
        this.channel = channel;
    }

    AutoCloseable add(Runnable wakeUp) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("postgres backend " + target.shown() + " is closed");
            }
            listeners.add(wakeUp);
            if (thread == null) {
                thread = new Thread(this::run, "datastore4j-postgres-hints-" + target.schema());
                thread.setDaemon(true);
                thread.start();
            }
        } finally {
            lock.unlock();
        }
        return () -> listeners.remove(wakeUp);
    }

    private void run() {
        long pause = 100;
        boolean reconnected = false;
        while (!isClosed()) {
            try (Connection listening =
                    PostgresConnections.open(target, PostgresConnections.APPLICATION_NAME + " hints")) {
                listening.setAutoCommit(true);
                try (Statement statement = listening.createStatement()) {
                    statement.execute("LISTEN \"" + channel + "\"");
                }
                if (reconnected) {
                    wakeAll(); // what was sent while the connection was down is gone
                }
                pause = 100;
                PGConnection pg = listening.unwrap(PGConnection.class);
                while (!isClosed()) {
                    PGNotification[] notifications = pg.getNotifications(1_000);
                    if (notifications != null && notifications.length > 0) {
                        wakeAll();
                    }
                }
            } catch (SQLException e) {
                if (isClosed()) {
                    return;
                }
                LOG.debug(
                        "change hints of {} lost their connection ({}); reconnecting",
                        target.shown(),
                        PostgresConnections.describe(e));
                reconnected = true;
                if (!pauseFor(pause)) {
                    return;
                }
                pause = Math.min(pause * 2, 5_000);
            }
        }
    }

    private void wakeAll() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a change listener of {} failed: {}", target.shown(), e.toString());
            }
        }
    }

    /** Waits before reconnecting; false once closed. */
    private boolean pauseFor(long millis) {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!closed && left > 0) {
                left = stopped.awaitNanos(left);
            }
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        Thread running;
        lock.lock();
        try {
            closed = true;
            stopped.signalAll();
            running = thread;
        } finally {
            lock.unlock();
        }
        listeners.clear();
        if (running != null) {
            try {
                running.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
