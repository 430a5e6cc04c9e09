package io.github.datastore4j.api;

/**
 * Told how a {@link Storage#migrate bulk migration} advances: after each committed batch, how many records are
 * migrated and committed so far, how many needed migrating, and how many the namespace holds. When none needed it,
 * called once with {@code (0, 0, total)}. Called on the migrating thread.
 */
@FunctionalInterface
public interface MigrationProgress {
    void batchCommitted(int committed, int toMigrate, int total);

    /** Reports nothing. */
    static MigrationProgress none() {
        return (checked, migrated, total) -> {};
    }
}
