package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Storage} has done since it opened, read by {@link Storage#statistics()}: for dashboards and alerts
 * (the {@code datastore4j-micrometer} binder publishes it), usable without any metrics library.
 *
 * <p>Each figure is read atomically, but not all at one instant: while operations run, a snapshot may count an
 * operation in one figure and not yet in another. Counts only grow while the storage is open; {@code pending}, {@code
 * queued}, {@code quarantined} and {@code bytesInMemory} are levels, not counts.
 *
 * @param backend the URI scheme of the storage's backend ({@code json}, {@code postgres}, …)
 * @param operations one entry per operation of {@link Datastore} (and {@link AsyncDatastore}), in a fixed order,
 *     operations never called included
 * @param waits the blocking waits ({@code awaitChange}, {@code awaitValue}, {@code awaitMatch}, {@code awaitSize})
 * @param commits the writes sent to the backend
 * @param conflicts on a shared store, writes another process's commit got in before, each decided again on the record
 *     found ({@code 0} on one-process stores)
 * @param retries on a shared store, the operations decided again on the record a conflict found (most then send their
 *     write again; a {@code setOnce} that finds the key set does not)
 * @param quarantined damaged records moved aside so far ({@link Storage#quarantined()})
 * @param bytesInMemory the JSON bytes of every value and metadata the storage holds in memory now, over its open
 *     namespaces (the heap the engine uses for them is a few times this)
 */
public record StorageStatistics(
        String backend,
        List<OperationStatistics> operations,
        WaitStatistics waits,
        CommitStatistics commits,
        long conflicts,
        long retries,
        long quarantined,
        long bytesInMemory) {
    public StorageStatistics {
        requireNonNull(backend, "backend");
        operations = List.copyOf(operations);
        requireNonNull(waits, "waits");
        requireNonNull(commits, "commits");
    }

    /** The statistics of {@code operation} (as {@link OperationStatistics#operation()} names it). */
    public OperationStatistics operation(String operation) {
        for (OperationStatistics statistics : operations) {
            if (statistics.operation().equals(operation)) {
                return statistics;
            }
        }
        throw new IllegalArgumentException("no operation '" + operation + "'; there are "
                + operations.stream().map(OperationStatistics::operation).toList());
    }

    /**
     * Calls of one operation that returned (or completed their future) normally, and those that failed.
     *
     * @param operation the method's name: {@code get}, {@code set}, {@code increment}, {@code awaitValue}, …
     * @param succeeded calls that succeeded
     * @param succeededNanos their total time, call to result (for a wait: how long it waited)
     * @param failed calls that failed (threw, or completed exceptionally)
     * @param failedNanos their total time
     * @param failures the failed calls by kind, only kinds that occurred: the {@link ErrorCode}'s name for a {@link
     *     DatastoreException} ({@code CONFLICT}, {@code TIMEOUT}, …), else the exception's simple class name ({@code
     *     IllegalArgumentException} for a bad argument, …)
     */
    public record OperationStatistics(
            String operation,
            long succeeded,
            long succeededNanos,
            long failed,
            long failedNanos,
            Map<String, Long> failures) {
        public OperationStatistics {
            requireNonNull(operation, "operation");
            failures = Map.copyOf(failures);
        }
    }

    /**
     * @param pending waits blocked now
     * @param timedOut waits that gave up after their timeout
     */
    public record WaitStatistics(long pending, long timedOut) {}

    /**
     * @param commits group commits the backend completed (one-process stores: batches written; shared stores: calls of
     *     {@code writeConditionally})
     * @param mutations the changes those commits held (so {@code mutations / commits} is the mean batch size)
     * @param failures commits the backend failed (each retry of a batch is a commit of its own)
     * @param totalNanos the backend's time over all commits, failed ones included
     * @param largestBatch the most changes one commit held
     * @param queued changes accepted and not yet committed, now
     */
    public record CommitStatistics(
            long commits, long mutations, long failures, long totalNanos, long largestBatch, long queued) {}
}
