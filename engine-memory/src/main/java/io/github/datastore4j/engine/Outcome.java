package io.github.datastore4j.engine;

/**
 * What an operation decided inside its key's slot: whether the key changes, to what ({@code null} deletes it), and
 * the caller's result. Immutable.
 */
final class Outcome<R> {
    final boolean changes;
    final StoredValue after;
    final R result;

    private Outcome(boolean changes, StoredValue after, R result) {
        this.changes = changes;
        this.after = after;
        this.result = result;
    }

    static <R> Outcome<R> change(StoredValue after, R result) {
        return new Outcome<>(true, after, result);
    }

    static <R> Outcome<R> unchanged(R result) {
        return new Outcome<>(false, null, result);
    }
}
