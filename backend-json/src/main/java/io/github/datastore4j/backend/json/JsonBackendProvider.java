package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.BackendProvider;
import io.github.datastore4j.api.spi.Locations;
import java.util.Set;

/**
 * {@code json:<folder>} — one pretty JSON file per document under a folder per namespace, e.g.
 * {@code json:./data}. Writes are atomic per file and forced to disk before they are acknowledged; the folder is
 * locked by the process that opens it.
 *
 * <p>Setting {@code writeThreads} (1–64, default {@value ParallelWriter#DEFAULT_THREADS}): how many files of one
 * commit are written and forced at once. Concurrent fsyncs share the file system's journal commits, which is what
 * makes group commit pay off here; 1 writes them one after another.
 */
public final class JsonBackendProvider implements BackendProvider {

    @Override
    public String scheme() {
        return "json";
    }

    static final String WRITE_THREADS = "writeThreads";

    @Override
    public Set<String> settingNames() {
        return Set.of(WRITE_THREADS);
    }

    @Override
    public Backend open(String location, StorageOptions options) {
        return JsonBackend.open(Locations.requirePath(scheme(), location, "./data"), writeThreads(options));
    }

    private static int writeThreads(StorageOptions options) {
        String given = options.get(WRITE_THREADS).orElse(null);
        if (given == null) {
            return ParallelWriter.DEFAULT_THREADS;
        }
        try {
            int threads = Integer.parseInt(given.trim());
            if (threads >= 1 && threads <= 64) {
                return threads;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new DatastoreException(
                ErrorCode.INVALID_OPTION,
                "json setting " + WRITE_THREADS + " must be a whole number from 1 to 64, was '" + given + "'");
    }
}
