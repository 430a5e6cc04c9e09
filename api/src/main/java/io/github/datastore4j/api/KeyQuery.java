package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A key-range query over one namespace, answered in key order ({@link String#compareTo}, that is UTF-16 code unit
 * order) by {@link Datastore#queryKeys(KeyQuery)}. CouchDB's {@code _all_docs} options:
 *
 * <pre>{@code
 * KeyQuery query = KeyQuery.builder().startKey("user:").endKey("user:\uffff").limit(50).includeDocuments(true).build();
 * Page page = users.queryKeys(query);
 * while (page.nextCursor().isPresent()) {
 *     page = users.queryKeys(query.withCursor(page.nextCursor().get()));
 * }
 * }</pre>
 *
 * <p>{@code startKey} and {@code endKey} are both inclusive unless {@link Builder#inclusiveEnd(boolean)} says
 * otherwise. When {@link Builder#descending(boolean) descending}, keys come from high to low and, as in CouchDB,
 * {@code startKey} is the high end. A cursor resumes strictly after the last key of the page it came from, so paging
 * while others write neither skips nor repeats a key that exists throughout. Immutable.
 */
public final class KeyQuery {
    private static final KeyQuery ALL = builder().build();

    private final String startKey;
    private final String endKey;
    private final boolean inclusiveEnd;
    private final boolean descending;
    private final int limit;
    private final int skip;
    private final String cursor;
    private final boolean includeDocuments;

    private KeyQuery(Builder builder) {
        this.startKey = builder.startKey;
        this.endKey = builder.endKey;
        this.inclusiveEnd = builder.inclusiveEnd;
        this.descending = builder.descending;
        this.limit = builder.limit;
        this.skip = builder.skip;
        this.cursor = builder.cursor;
        this.includeDocuments = builder.includeDocuments;
    }

    /** Every key, ascending, without documents. */
    public static KeyQuery all() {
        return ALL;
    }

    /** Exactly one key: a page of that key if it exists, an empty page otherwise. */
    public static KeyQuery key(String key) {
        return builder().key(key).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this query's settings. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.startKey = startKey;
        builder.endKey = endKey;
        builder.inclusiveEnd = inclusiveEnd;
        builder.descending = descending;
        builder.limit = limit;
        builder.skip = skip;
        builder.cursor = cursor;
        builder.includeDocuments = includeDocuments;
        return builder;
    }

    /** This query resumed at {@code cursor}, as returned by {@link Page#nextCursor()}. */
    public KeyQuery withCursor(String cursor) {
        return toBuilder().cursor(cursor).build();
    }

    public Optional<String> startKey() {
        return Optional.ofNullable(startKey);
    }

    public Optional<String> endKey() {
        return Optional.ofNullable(endKey);
    }

    public boolean inclusiveEnd() {
        return inclusiveEnd;
    }

    public boolean descending() {
        return descending;
    }

    /** The most keys a page holds; {@link Integer#MAX_VALUE} when unlimited. */
    public int limit() {
        return limit;
    }

    public int skip() {
        return skip;
    }

    public Optional<String> cursor() {
        return Optional.ofNullable(cursor);
    }

    public boolean includeDocuments() {
        return includeDocuments;
    }

    @Override
    public String toString() {
        return "KeyQuery{startKey=" + startKey + ", endKey=" + endKey + ", inclusiveEnd=" + inclusiveEnd
                + ", descending=" + descending + ", limit=" + limit + ", skip=" + skip + ", cursor=" + cursor
                + ", includeDocuments=" + includeDocuments + '}';
    }

    /** Builds a {@link KeyQuery}; not thread-safe. */
    public static final class Builder {
        private String startKey;
        private String endKey;
        private boolean inclusiveEnd = true;
        private boolean descending;
        private int limit = Integer.MAX_VALUE;
        private int skip;
        private String cursor;
        private boolean includeDocuments;

        private Builder() {}

        /** The first key of the range (the highest when descending), inclusive. */
        public Builder startKey(String startKey) {
            this.startKey = requireNonNull(startKey, "startKey");
            return this;
        }

        /** The last key of the range (the lowest when descending), inclusive unless {@code inclusiveEnd(false)}. */
        public Builder endKey(String endKey) {
            this.endKey = requireNonNull(endKey, "endKey");
            return this;
        }

        /** Exactly this key: sets both ends of the range. */
        public Builder key(String key) {
            requireNonNull(key, "key");
            this.startKey = key;
            this.endKey = key;
            this.inclusiveEnd = true;
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

        /** @throws IllegalArgumentException if {@code limit < 0} */
        public Builder limit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative, was " + limit);
            }
            this.limit = limit;
            return this;
        }

        /** Keys to pass over before the page starts; slow for large numbers, prefer a cursor. */
        public Builder skip(int skip) {
            if (skip < 0) {
                throw new IllegalArgumentException("skip must not be negative, was " + skip);
            }
            this.skip = skip;
            return this;
        }

        /** Resume after the page that returned this cursor. */
        public Builder cursor(String cursor) {
            this.cursor = requireNonNull(cursor, "cursor");
            return this;
        }

        public Builder includeDocuments(boolean includeDocuments) {
            this.includeDocuments = includeDocuments;
            return this;
        }

        /** @throws IllegalArgumentException if both {@code skip} and {@code cursor} are set */
        public KeyQuery build() {
            if (cursor != null && skip > 0) {
                throw new IllegalArgumentException("use either skip or cursor, not both (skip=" + skip + ")");
            }
            return new KeyQuery(this);
        }
    }
}
