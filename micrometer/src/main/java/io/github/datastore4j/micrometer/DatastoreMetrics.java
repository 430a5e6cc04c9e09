package io.github.datastore4j.micrometer;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageStatistics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Publishes a {@link Storage}'s {@link Storage#statistics() statistics} to a Micrometer {@link MeterRegistry}:
 *
 * <pre>{@code
 * new DatastoreMetrics(storage, Tags.of("store", "orders")).bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters, each tagged {@code backend} (the URI scheme) and with the tags given</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code datastore4j.operations}</td><td>function timer</td><td>{@code operation}, {@code outcome}
 *       ({@code success}, {@code failure})</td><td>calls of each {@code Datastore} operation and their time</td></tr>
 *   <tr><td>{@code datastore4j.operations.failures}</td><td>function counter</td><td>{@code code} (an {@link
 *       ErrorCode}, or {@code other})</td><td>failed calls, over every operation, by error code</td></tr>
 *   <tr><td>{@code datastore4j.waits.pending}</td><td>gauge</td><td></td><td>waits blocked now</td></tr>
 *   <tr><td>{@code datastore4j.waits.timeouts}</td><td>function counter</td><td></td><td>waits that gave up</td></tr>
 *   <tr><td>{@code datastore4j.commits}</td><td>function timer</td><td></td><td>group commits and the backend's time
 *       for them</td></tr>
 *   <tr><td>{@code datastore4j.commits.failures}</td><td>function counter</td><td></td><td>commits the backend
 *       failed</td></tr>
 *   <tr><td>{@code datastore4j.commits.mutations}</td><td>function counter</td><td></td><td>changes committed (over
 *       {@code datastore4j.commits}: the mean batch size)</td></tr>
 *   <tr><td>{@code datastore4j.commits.batch.max}</td><td>gauge</td><td></td><td>the largest batch so far</td></tr>
 *   <tr><td>{@code datastore4j.commits.queued}</td><td>gauge</td><td></td><td>changes accepted, not yet
 *       committed</td></tr>
 *   <tr><td>{@code datastore4j.conflicts}, {@code datastore4j.retries}</td><td>function counters</td><td></td>
 *       <td>shared stores: writes another process got in before, and operations decided again</td></tr>
 *   <tr><td>{@code datastore4j.quarantined}</td><td>gauge</td><td></td><td>damaged records moved aside</td></tr>
 *   <tr><td>{@code datastore4j.memory}</td><td>gauge, bytes</td><td></td><td>JSON held in memory</td></tr>
 * </table>
 *
 * <p>The meters read the storage's counters when the registry publishes (one {@code statistics()} snapshot serves
 * every meter of a publication: it is reused for {@value #REUSE_MILLIS} ms). They hold the storage weakly, as
 * Micrometer's function meters do: a storage the application dropped is not kept alive by its meters. After {@code
 * close()} they keep showing the last counts.
 *
 * <p><b>Concurrency contract.</b> Thread-safe: {@link #bindTo} may be called for several registries, from any thread;
 * the meters may be read from any thread at once.
 */
public final class DatastoreMetrics implements MeterBinder {
    /** How long one statistics snapshot serves the meters' reads. */
    static final long REUSE_MILLIS = 100;

    private final Storage storage;
    private final Iterable<Tag> tags;
    private final Snapshots snapshots;

    /** Meters of {@code storage}, tagged with its backend. */
    public DatastoreMetrics(Storage storage) {
        this(storage, Tags.empty());
    }

    /** Meters of {@code storage}, tagged with its backend and {@code tags} (say, {@code store=orders}). */
    public DatastoreMetrics(Storage storage, Iterable<Tag> tags) {
        this(storage, tags, TimeUnit.MILLISECONDS.toNanos(REUSE_MILLIS));
    }

    /** For tests: a snapshot serves the meters for {@code reuseNanos} ({@code 0}: every read takes a new one). */
    DatastoreMetrics(Storage storage, Iterable<Tag> tags, long reuseNanos) {
        this.storage = requireNonNull(storage, "storage");
        this.tags = requireNonNull(tags, "tags");
        this.snapshots = new Snapshots(reuseNanos);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags common = Tags.of(tags).and("backend", snapshots.of(storage).backend());
        for (StorageStatistics.OperationStatistics operation :
                snapshots.of(storage).operations()) {
            String name = operation.operation();
            timer(
                    registry,
                    "datastore4j.operations",
                    "calls of a Datastore operation",
                    common.and("operation", name, "outcome", "success"),
                    s -> s.operation(name).succeeded(),
                    s -> s.operation(name).succeededNanos());
            timer(
                    registry,
                    "datastore4j.operations",
                    "calls of a Datastore operation",
                    common.and("operation", name, "outcome", "failure"),
                    s -> s.operation(name).failed(),
                    s -> s.operation(name).failedNanos());
        }
        for (ErrorCode code : ErrorCode.values()) {
            counter(
                    registry,
                    "datastore4j.operations.failures",
                    "failed calls, by error code",
                    common.and("code", code.name()),
                    s -> failures(s, code.name()));
        }
        counter(
                registry,
                "datastore4j.operations.failures",
                "failed calls, by error code",
                common.and("code", "other"),
                DatastoreMetrics::otherFailures);
        gauge(registry, "datastore4j.waits.pending", "waits blocked now", common, s -> s.waits()
                .pending());
        counter(registry, "datastore4j.waits.timeouts", "waits that gave up", common, s -> s.waits()
                .timedOut());
        timer(
                registry,
                "datastore4j.commits",
                "group commits to the backend",
                common,
                s -> s.commits().commits(),
                s -> s.commits().totalNanos());
        counter(registry, "datastore4j.commits.failures", "commits the backend failed", common, s -> s.commits()
                .failures());
        counter(registry, "datastore4j.commits.mutations", "changes committed", common, s -> s.commits()
                .mutations());
        gauge(registry, "datastore4j.commits.batch.max", "the largest commit", common, s -> s.commits()
                .largestBatch());
        gauge(registry, "datastore4j.commits.queued", "changes not yet committed", common, s -> s.commits()
                .queued());
        counter(
                registry,
                "datastore4j.conflicts",
                "writes another process's commit got in before",
                common,
                StorageStatistics::conflicts);
        counter(
                registry,
                "datastore4j.retries",
                "operations decided again after a conflict",
                common,
                StorageStatistics::retries);
        gauge(registry, "datastore4j.quarantined", "damaged records moved aside", common, s -> s.quarantined());
        gauge(
                registry,
                "datastore4j.memory",
                "JSON values and metadata held in memory",
                BaseUnits.BYTES,
                common,
                StorageStatistics::bytesInMemory);
    }

    private static long failures(StorageStatistics statistics, String kind) {
        long sum = 0;
        for (StorageStatistics.OperationStatistics operation : statistics.operations()) {
            sum += operation.failures().getOrDefault(kind, 0L);
        }
        return sum;
    }

    private static long otherFailures(StorageStatistics statistics) {
        long sum = 0;
        for (StorageStatistics.OperationStatistics operation : statistics.operations()) {
            for (Map.Entry<String, Long> failure : operation.failures().entrySet()) {
                if (!isErrorCode(failure.getKey())) {
                    sum += failure.getValue();
                }
            }
        }
        return sum;
    }

    private static boolean isErrorCode(String kind) {
        for (ErrorCode code : ErrorCode.values()) {
            if (code.name().equals(kind)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code figure} read from the storage's current snapshot. It captures only the {@link Snapshots}: a meter's
     * function must not hold this binder, which holds the storage the meter holds weakly.
     */
    private ToDoubleFunction<Storage> read(ToDoubleFunction<StorageStatistics> figure) {
        Snapshots snapshots = this.snapshots;
        return s -> figure.applyAsDouble(snapshots.of(s));
    }

    private void timer(
            MeterRegistry registry,
            String name,
            String description,
            Tags tags,
            ToLongFunction<StorageStatistics> count,
            ToLongFunction<StorageStatistics> nanos) {
        ToDoubleFunction<Storage> counted = read(count::applyAsLong);
        ToDoubleFunction<Storage> timed = read(nanos::applyAsLong);
        FunctionTimer.builder(name, storage, s -> (long) counted.applyAsDouble(s), timed, TimeUnit.NANOSECONDS)
                .description(description)
                .tags(tags)
                .register(registry);
    }

    private void counter(
            MeterRegistry registry,
            String name,
            String description,
            Tags tags,
            ToDoubleFunction<StorageStatistics> count) {
        FunctionCounter.builder(name, storage, read(count))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String description,
            Tags tags,
            ToDoubleFunction<StorageStatistics> value) {
        gauge(registry, name, description, null, tags, value);
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String description,
            String baseUnit,
            Tags tags,
            ToDoubleFunction<StorageStatistics> value) {
        Gauge.builder(name, storage, read(value))
                .description(description)
                .baseUnit(baseUnit)
                .tags(tags)
                .register(registry);
    }

    /**
     * The latest snapshot, reused for {@link #REUSE_MILLIS}. Holds no storage: the meters pass it theirs, which they
     * hold weakly.
     */
    private static final class Snapshots {
        private final long reuseNanos;
        private volatile StorageStatistics last;
        private volatile long takenAt;

        Snapshots(long reuseNanos) {
            this.reuseNanos = reuseNanos;
        }

        StorageStatistics of(Storage storage) {
            long now = System.nanoTime();
            StorageStatistics snapshot = last;
            if (snapshot == null || now - takenAt >= reuseNanos) {
                snapshot = storage.statistics();
                last = snapshot;
                takenAt = now;
            }
            return snapshot;
        }
    }
}
