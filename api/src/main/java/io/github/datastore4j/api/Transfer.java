package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import io.github.datastore4j.api.internal.StorageOpener;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Mutation;
import io.github.datastore4j.api.spi.Names;
import io.github.datastore4j.api.spi.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Moves a namespace from one store to another, backend to backend — {@code json:} to {@code h2:}, say — keeping every
 * key, revision, schema version and value byte for byte. No engine runs: nothing is migrated or cached, and neither
 * store may be open in a {@link Storage} meanwhile (the backends' locks refuse it with {@code LOCKED}).
 */
public final class Transfer {
    private static final int BATCH = 1_000;

    /** Told after each committed batch: records of this copy committed so far, and how many it copies in all. */
    @FunctionalInterface
    public interface Progress {
        void batchCopied(int copied, int toCopy);

        static Progress none() {
            return (copied, toCopy) -> {};
        }
    }

    private Transfer() {}

    /**
     * Copies every record of {@code namespace} from {@code sourceUri} to {@code targetUri} and returns how many it
     * wrote. Every source record's checksum is verified before anything is written. The target namespace must be
     * empty, or hold only exact copies of source records — which is what a copy cut short by a crash leaves, so
     * running it again finishes the job; those are skipped. Batches of 1,000 are committed as each backend commits
     * (durably, for the persistent ones); a copy is not atomic as a whole.
     *
     * @throws CorruptDataException if a source record fails its checksum or cannot be read; nothing is written
     * @throws DatastoreException with {@link ErrorCode#CONFLICT} if the target holds a record that is not an exact
     *     copy of the source's, or {@link ErrorCode#INVALID_OPTION} if the source holds no such namespace or both URIs
     *     are the same
     * @throws LockedException if either store is open elsewhere
     */
    public static int copy(String sourceUri, String targetUri, String namespace, Progress progress) {
        requireNonNull(sourceUri, "sourceUri");
        requireNonNull(targetUri, "targetUri");
        requireNonNull(progress, "progress");
        Names.requireValidNamespace(namespace);
        if (sourceUri.equals(targetUri)) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, "copy source and target are the same store: " + sourceUri);
        }
        try (Backend source = StorageOpener.openBackend(sourceUri, StorageOptions.defaults());
                Backend target = StorageOpener.openBackend(targetUri, StorageOptions.defaults())) {
            List<Record> records = verifiedRecords(source, sourceUri, namespace);
            Map<String, Record> present = new HashMap<>();
            join(target.scan(namespace, record -> present.put(record.key(), record)), "read", targetUri);
            List<Record> toCopy = new ArrayList<>();
            Map<String, Record> byKey = new HashMap<>();
            for (Record record : records) {
                byKey.put(record.key(), record);
                Record there = present.get(record.key());
                if (there == null) {
                    toCopy.add(record);
                } else if (!sameRecord(there, record)) {
                    throw refuse(targetUri, namespace, there, record);
                }
            }
            for (Record there : present.values()) {
                if (!byKey.containsKey(there.key())) {
                    throw refuse(targetUri, namespace, there, null);
                }
            }
            toCopy.sort((a, b) -> a.key().compareTo(b.key()));
            if (toCopy.isEmpty()) {
                progress.batchCopied(0, 0);
            }
            for (int from = 0; from < toCopy.size(); from += BATCH) {
                List<Mutation> batch = new ArrayList<>();
                for (Record record : toCopy.subList(from, Math.min(toCopy.size(), from + BATCH))) {
                    batch.add(Mutation.put(namespace, record));
                }
                join(target.write(batch), "write", targetUri);
                progress.batchCopied(from + batch.size(), toCopy.size());
            }
            return toCopy.size();
        }
    }

    private static List<Record> verifiedRecords(Backend source, String sourceUri, String namespace) {
        List<Record> records = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        join(source.scan(namespace, records::add, damaged::add), "read", sourceUri);
        if (!damaged.isEmpty()) {
            throw new CorruptDataException("cannot copy namespace '" + namespace + "' of " + sourceUri + ": "
                    + damaged.get(0).describe() + " is damaged ("
                    + damaged.get(0).problem() + ")"
                    + (damaged.size() > 1 ? " and " + (damaged.size() - 1) + " more" : "")
                    + "; open the source with ?onCorrupt=quarantine to move damaged records aside first");
        }
        for (Record record : records) {
            if (!record.checksumValid(namespace)) {
                throw new CorruptDataException("cannot copy namespace '" + namespace + "' of " + sourceUri
                        + ": record of key '" + record.key() + "' fails its CRC32C checksum; nothing was written");
            }
        }
        if (records.isEmpty()) {
            throw new DatastoreException(
                    ErrorCode.INVALID_OPTION, "namespace '" + namespace + "' holds no records in " + sourceUri);
        }
        return records;
    }

    private static boolean sameRecord(Record a, Record b) {
        return a.rev() == b.rev()
                && a.schemaVersion() == b.schemaVersion()
                && a.checksum() == b.checksum()
                && java.util.Arrays.equals(a.value(), b.value());
    }

    private static DatastoreException refuse(String targetUri, String namespace, Record there, Record source) {
        return new DatastoreException(
                ErrorCode.CONFLICT,
                "target " + targetUri + " already holds key '" + there.key() + "' in namespace '" + namespace
                        + "' at rev " + there.rev()
                        + (source == null ? ", which the source does not have" : ", the source has rev " + source.rev())
                        + "; copy into an empty namespace (exact copies left by an interrupted copy are skipped)");
    }

    private static <T> T join(CompletableFuture<T> future, String what, String uri) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof DatastoreException) {
                throw (DatastoreException) cause;
            }
            throw new BackendException("cannot " + what + " " + uri + ": " + cause, cause);
        }
    }
}
