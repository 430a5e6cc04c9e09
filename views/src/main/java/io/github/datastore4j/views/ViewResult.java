package io.github.datastore4j.views;

import java.util.List;
import java.util.Optional;

/** The rows of one query, and a cursor to the next page when the limit cut it. Immutable. */
public final class ViewResult {
    private final List<ViewRow> rows;
    private final String nextCursor;

    ViewResult(List<ViewRow> rows, String nextCursor) {
        this.rows = List.copyOf(rows);
        this.nextCursor = nextCursor;
    }

    public List<ViewRow> rows() {
        return rows;
    }

    public Optional<String> nextCursor() {
        return Optional.ofNullable(nextCursor);
    }

    @Override
    public String toString() {
        return "ViewResult" + rows + (nextCursor == null ? "" : " next=" + nextCursor);
    }
}
