package io.github.datastore4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress of a long command (export, import, copy, verify), on standard error: a redrawn bar with rate and ETA
 * when standard error is a terminal, else a plain line every few seconds and one at the end (when there was one before), which logs and CI keep
 * readably. The bar library draws only bars, so the plain lines are this class's own.
 *
 * <pre>{@code
 * try (Progress progress = Progress.start(Progress.Mode.AUTO, "export users", total, Progress.Unit.RECORDS)) {
 *     records.forEach(r -> progress.step(1));
 * }
 * }</pre>
 */
public abstract class Progress implements AutoCloseable {
    /** How progress is shown: {@code AUTO} picks {@code BAR} when standard error is a terminal, else {@code PLAIN}. */
    public enum Mode {
        AUTO,
        BAR,
        PLAIN,
        NONE
    }

    /** What is counted, and how a count is shown. */
    public record Unit(String name, long size) {
        public static final Unit RECORDS = new Unit("records", 1);
        public static final Unit MEBIBYTES = new Unit("MiB", 1L << 20);

        String format(long amount) {
            return size == 1
                    ? String.format(Locale.ROOT, "%,d", amount)
                    : String.format(Locale.ROOT, "%,.1f", amount / (double) size);
        }
    }

    /** The interval between two plain lines. */
    static final Duration PLAIN_INTERVAL = Duration.ofSeconds(2);

    /**
     * Starts showing the progress of {@code task} on standard error.
     *
     * @param total how much there is to do, or a negative number when it is not known (no percentage, no ETA)
     */
    public static Progress start(Mode mode, String task, long total, Unit unit) {
        Mode chosen = mode == Mode.AUTO ? (standardErrorIsTerminal() ? Mode.BAR : Mode.PLAIN) : mode;
        return switch (chosen) {
            case BAR -> new Bar(task, total, unit);
            case PLAIN -> new Plain(task, total, unit, System.err, System::nanoTime, PLAIN_INTERVAL);
            default -> new Silent();
        };
    }

    /**
     * Whether file descriptor 2 is a terminal. {@code System.console()} cannot tell: it looks at standard input and
     * output, and export writes its records to a redirected standard output while a person watches the bar.
     */
    static boolean standardErrorIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return false; // not Linux, or no /proc: assume a log, which plain lines suit everywhere
        }
    }

    /** {@code amount} more is done. */
    public abstract void step(long amount);

    /** Done as far as {@code done} in all. */
    public abstract void stepTo(long done);

    /** Ends the display; a plain display prints its last line. Idempotent. */
    @Override
    public abstract void close();

    /** Plain lines, at most one per interval, and a last one on close. */
    static final class Plain extends Progress {
        private final String task;
        private final long total;
        private final Unit unit;
        private final PrintStream out;
        private final LongSupplier nanoTime;
        private final long intervalNanos;
        private final long startedAt;
        private long nextLineAt;
        private long done;
        private boolean printed;
        private boolean closed;

        Plain(String task, long total, Unit unit, PrintStream out, LongSupplier nanoTime, Duration interval) {
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.out = out;
            this.nanoTime = nanoTime;
            this.intervalNanos = interval.toNanos();
            this.startedAt = nanoTime.getAsLong();
            this.nextLineAt = startedAt + intervalNanos;
        }

        @Override
        public void step(long amount) {
            stepTo(done + amount);
        }

        @Override
        public void stepTo(long reached) {
            done = reached;
            long now = nanoTime.getAsLong();
            if (now - nextLineAt >= 0) {
                out.println(line(now, false));
                printed = true;
                nextLineAt = now + intervalNanos;
            }
        }

        /** The last line, unless the task was over before the first: then the command's own summary says enough. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (printed) {
                    out.println(line(nanoTime.getAsLong(), true));
                }
            }
        }

        /** {@code export users: 120,000 of 1,000,000 records (12%), 45,210 records/s, ETA 0:00:19}. */
        String line(long now, boolean last) {
            double seconds = Math.max(1e-9, (now - startedAt) / 1e9);
            double rate = done / seconds;
            StringBuilder line = new StringBuilder(task).append(": ").append(unit.format(done));
            if (total >= 0) {
                line.append(" of ").append(unit.format(total)).append(' ').append(unit.name());
                if (total > 0) {
                    line.append(String.format(Locale.ROOT, " (%d%%)", Math.round(100.0 * done / total)));
                }
            } else {
                line.append(' ').append(unit.name());
            }
            line.append(", ")
                    .append(unit.format(Math.round(rate)))
                    .append(' ')
                    .append(unit.name())
                    .append("/s");
            if (last) {
                line.append(String.format(Locale.ROOT, ", done in %.1f s", seconds));
            } else if (total > 0 && rate > 0) {
                line.append(", ETA ").append(clock(Math.round(Math.max(0, total - done) / rate)));
            }
            return line.toString();
        }

        private static String clock(long seconds) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
        }
    }

    /** A bar redrawn in place on the terminal, with speed and ETA. */
    static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total, Unit unit) {
            this.bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setUnit(" " + unit.name(), unit.size())
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(250)
                    .showSpeed(new DecimalFormat("#,##0"))
                    .build();
        }

        @Override
        public void step(long amount) {
            bar.stepBy(amount);
        }

        @Override
        public void stepTo(long done) {
            bar.stepTo(done);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** Shows nothing: {@code --progress none}. */
    static final class Silent extends Progress {
        @Override
        public void step(long amount) {}

        @Override
        public void stepTo(long done) {}

        @Override
        public void close() {}
    }
}
