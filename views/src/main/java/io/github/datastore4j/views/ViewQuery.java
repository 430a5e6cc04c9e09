package io.github.datastore4j.views;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;

/**
 * A query of a {@link View}, with CouchDB's options. Keys are anything Jackson maps to JSON.
 *
 * <pre>{@code
 * ViewQuery.builder().startKey(List.of("2024-01")).endKey(List.of("2024-01", Map.of())).limit(20).build();
 * ViewQuery.builder().groupLevel(1).build();   // reduce per first key element
 * }</pre>
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><td>{@code key} / {@code keys}</td><td>rows with exactly this key / these keys, in the order given</td></tr>
 *   <tr><td>{@code startKey}, {@code endKey}</td><td>a range; with {@code descending}, {@code startKey} is the high end</td></tr>
 *   <tr><td>{@code inclusiveEnd}</td><td>whether rows with {@code endKey} are included (default true)</td></tr>
 *   <tr><td>{@code limit}, {@code skip}</td><td>page size and rows (or groups) to pass over</td></tr>
 *   <tr><td>{@code cursor}</td><td>resume after the last row of a page, stable under concurrent writes</td></tr>
 *   <tr><td>{@code includeDocuments}</td><td>each row carries its document, as of the same instant as the row</td></tr>
 *   <tr><td>{@code reduce}</td><td>false for rows of a view that has a reducer (default: reduce if it has one)</td></tr>
 *   <tr><td>{@code group}, {@code groupLevel}</td><td>reduce per key, or per the first N elements of array keys</td></tr>
 * </table>
 *
 * Immutable.
 */
public final class ViewQuery {
    private static final JsonMapper MAPPER = JsonMapper.shared();

    final JsonNode startKey;
    final JsonNode endKey;
    final List<JsonNode> keys;
    final boolean inclusiveEnd;
    final boolean descending;
    final int limit;
    final int skip;
    final String cursor;
    final boolean includeDocuments;
    final Boolean reduce;
    final int groupLevel; // -1: group by the full key; 0: no grouping

    private ViewQuery(Builder b) {
        this.startKey = b.startKey;
        this.endKey = b.endKey;
        this.keys = b.keys == null ? null : List.copyOf(b.keys);
        this.inclusiveEnd = b.inclusiveEnd;
        this.descending = b.descending;
        this.limit = b.limit;
        this.skip = b.skip;
        this.cursor = b.cursor;
        this.includeDocuments = b.includeDocuments;
        this.reduce = b.reduce;
        this.groupLevel = b.groupLevel;
    }

    /** Every row (or, for a view with a reducer, the reduction of every row). */
    public static ViewQuery all() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This query resumed at {@code cursor}, as returned by {@link ViewResult#nextCursor()}. */
    public ViewQuery withCursor(String cursor) {
        Builder b = new Builder();
        b.startKey = startKey;
        b.endKey = endKey;
        b.keys = keys;
        b.inclusiveEnd = inclusiveEnd;
        b.descending = descending;
        b.limit = limit;
        b.skip = 0;
        b.cursor = requireNonNull(cursor, "cursor");
        b.includeDocuments = includeDocuments;
        b.reduce = reduce;
        b.groupLevel = groupLevel;
        return b.build();
    }

    public Optional<JsonNode> startKey() {
        return Optional.ofNullable(startKey).map(JsonNode::deepCopy);
    }

    public Optional<JsonNode> endKey() {
        return Optional.ofNullable(endKey).map(JsonNode::deepCopy);
    }

    public boolean descending() {
        return descending;
    }

    public int limit() {
        return limit;
    }

    static JsonNode json(Object value) {
        if (value == null) {
            return NullNode.getInstance();
        }
        if (value instanceof JsonNode) {
            return ((JsonNode) value).deepCopy();
        }
        return MAPPER.valueToTree(value);
    }

    /** Builds a {@link ViewQuery}; not thread-safe. */
    public static final class Builder {
        private JsonNode startKey;
        private JsonNode endKey;
        private List<JsonNode> keys;
        private boolean inclusiveEnd = true;
        private boolean descending;
        private int limit = Integer.MAX_VALUE;
        private int skip;
        private String cursor;
        private boolean includeDocuments;
        private Boolean reduce;
        private int groupLevel;

        private Builder() {}

        /** Rows with exactly this key. */
        public Builder key(Object key) {
            JsonNode json = json(key);
            this.startKey = json;
            this.endKey = json;
            this.inclusiveEnd = true;
            return this;
        }

        /** Rows with exactly these keys, in the order given. */
        public Builder keys(List<?> keys) {
            requireNonNull(keys, "keys");
            this.keys = new ArrayList<>();
            keys.forEach(k -> this.keys.add(json(k)));
            return this;
        }

        public Builder startKey(Object startKey) {
            this.startKey = json(startKey);
            return this;
        }

        public Builder endKey(Object endKey) {
            this.endKey = json(endKey);
            return this;
        }

        public Builder inclusiveEnd(boolean inclusiveEnd) {
            this.inclusiveEnd = inclusiveEnd;
            return this;
        }

        public Builder descending(boolean descending) {
            this.descending = descending;
            return this;
        }

        public Builder limit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative, was " + limit);
            }
            this.limit = limit;
            return this;
        }

        public Builder skip(int skip) {
            if (skip < 0) {
                throw new IllegalArgumentException("skip must not be negative, was " + skip);
            }
            this.skip = skip;
            return this;
        }

        public Builder cursor(String cursor) {
            this.cursor = requireNonNull(cursor, "cursor");
            return this;
        }

        public Builder includeDocuments(boolean includeDocuments) {
            this.includeDocuments = includeDocuments;
            return this;
        }

        /** Whether to reduce (default: if the view has a reducer). */
        public Builder reduce(boolean reduce) {
            this.reduce = reduce;
            return this;
        }

        /** Reduce per distinct key. */
        public Builder group(boolean group) {
            this.groupLevel = group ? -1 : 0;
            return this;
        }

        /** Reduce per the first {@code level} elements of array keys (other keys: per key). */
        public Builder groupLevel(int level) {
            if (level < 1) {
                throw new IllegalArgumentException("groupLevel must be at least 1, was " + level);
            }
            this.groupLevel = level;
            return this;
        }

        /** @throws IllegalArgumentException for combinations CouchDB also refuses */
        public ViewQuery build() {
            if (cursor != null && skip > 0) {
                throw new IllegalArgumentException("use either skip or cursor, not both");
            }
            if (keys != null && (startKey != null || endKey != null)) {
                throw new IllegalArgumentException("use either keys or a key range, not both");
            }
            if (Boolean.FALSE.equals(reduce) && groupLevel != 0) {
                throw new IllegalArgumentException("group and groupLevel need reduce");
            }
            return new ViewQuery(this);
        }
    }
}
