package io.github.datastore4j.backend.sqlite;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wake-up hint of {@link io.github.datastore4j.api.spi.SharedBackend#onChanges}: other connections' commits —
 * other processes', mostly — wake the listeners; this process's own do not. While a listener is registered, a daemon
 * thread asks the {@link GroupCommitWriter} every {@link #INTERVAL_NANOS} to look at {@code PRAGMA data_version} on
 * the write connection ({@link GroupCommitWriter#lookForOthers}), which changes exactly when another connection
 * committed since the last look and never for the write connection's own commits; reading it touches only the WAL
 * index in shared memory — no table, no disk — so it costs a few microseconds. A busy writer looks at the start of
 * each of its transactions as well, so under load another process's commit is seen at this process's next commit.
 *
 * <p><b>Why not this process's commits.</b> Its engine applies its own writes when they are answered, so a hint for
 * them only made every feed reader of every namespace read back what it had (and, through a poller on a connection
 * of its own, read it twice). A lone writer's follower did a feed read per durable write, about a tenth of the
 * write's cost on 2 cores; the commit that stopped it gives the figures. A reader still moves past this process's
 * own changes, at its next hint or heartbeat, or at once when a "latest" read waits for it.
 *
 * <p><b>Why polling, at 1 ms.</b> Measured with {@code SqliteWakeUpLatencyTest} on this project's 2-core Linux machine
 * while another build ran (load 5): a child JVM commits, this JVM's listener wakes; over 1,800 commits after 200
 * warm-up ones, from just before the child's write to the wake-up p50 1.10 ms, p99 4.44 ms; from the child's
 * acknowledged commit p50 0.85 ms, p99 3.34 ms (the rare maximum, ~50 ms, is the scheduler of an overloaded machine).
 * At load 8 to 11 the p99 rose to 7.7 ms (6.1 ms from the acknowledgement), the p50 stayed near 1 ms. The cost: an
 * idle JVM with one open store and its engine's listener used 5 to 8 % of one core (2 % less with the pragma
 * prepared once), against 0.2 % for {@code memory:}. (Measured with the poller on a connection of its own; it now
 * reads the write connection's, the same pragma.)
 * A {@code WatchService} on the {@code -wal} file was not tried: the 1 ms poller already meets the 5 ms target, the
 * watcher would add the JDK watcher thread's hop on Linux, and on macOS the JDK's {@code WatchService} is itself a
 * poller with an interval of seconds. The thread runs only while a listener is registered.
 *
 * <p><b>Idle back-off.</b> A store that has not changed for {@link #IDLE_AFTER_NANOS 1 s} (no commit seen here, none
 * made here) is read every 2, 4, then {@link #IDLE_INTERVAL_NANOS 8 ms}, and at once every 1 ms again after the next
 * change. So the first change after a quiet second may take up to 8 ms to be seen; every later one of a busy period
 * the 1 ms above. Idle cost with the back-off: see the figures in the commit that added it.
 *
 * <p><b>Concurrency contract.</b> Thread-safe; listeners run on the committing thread or the poller thread, briefly,
 * under the writer's lock.
 */
final class ChangeSignal implements GroupCommitWriter.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeSignal.class);
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest pause between two reads, reached after {@link #IDLE_AFTER_NANOS} without a change. */
    static final long IDLE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(8);
    /** How long the poller keeps its 1 ms pace after the last change it saw or this process committed. */
    static final long IDLE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Looks for other connections' commits: the writer's {@link GroupCommitWriter#lookForOthers}. */
    private final Runnable look;

    private final String shown;
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private Thread poller;
    private volatile boolean closed;
    /** When the store last changed, as this process knows it: a commit seen by the poller or made here. */
    private volatile long lastActivity = System.nanoTime();

    ChangeSignal(Runnable look, String shown) {
        this.look = look;
        this.shown = shown;
    }

    /** Registers {@code wakeUp}; the handle's {@code close()} removes it. */
    synchronized AutoCloseable add(Runnable wakeUp) {
        if (closed) {
            throw new IllegalStateException("sqlite: " + shown + " is closed");
        }
        listeners.add(wakeUp);
        if (poller == null) {
            poller = new Thread(this::poll, "datastore4j-sqlite-changes " + shown);
            poller.setDaemon(true);
            poller.start();
        }
        return () -> listeners.remove(wakeUp);
    }

    @Override
    public void committedHere() {
        lastActivity = System.nanoTime(); // the store is busy: keep the 1 ms pace
    }

    /** Wakes every listener: another connection committed. */
    @Override
    public void committedElsewhere() {
        lastActivity = System.nanoTime();
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a change listener of {} failed: {}", shown, e.toString());
            }
        }
    }

    private void poll() {
        long failures = 0;
        long interval = INTERVAL_NANOS;
        while (!closed) {
            LockSupport.parkNanos(interval);
            try {
                look.run();
                failures = 0;
            } catch (RuntimeException e) {
                if (failures++ == 0) {
                    LOG.warn(
                            "the change signal of {} failed ({}); retrying, readers poll meanwhile",
                            shown,
                            e.toString());
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
            interval = System.nanoTime() - lastActivity < IDLE_AFTER_NANOS
                    ? INTERVAL_NANOS
                    : Math.min(interval * 2, IDLE_INTERVAL_NANOS);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        listeners.clear();
        if (poller != null) {
            LockSupport.unpark(poller);
            try {
                poller.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
