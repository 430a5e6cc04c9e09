package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * One page of a {@link KeyQuery}: keys in query order, their documents when the query asked for them
 * ({@link KeyQuery.Builder#includeDocuments(boolean)}), and a cursor to the next page when the page was cut by its
 * limit. Immutable.
 *
 * <pre>{@code
 * Page page = users.queryKeys(KeyQuery.builder().startKey("user:").endKey("user:\uffff").includeDocuments(true).build());
 * for (Document user : page.documents()) {
 *     System.out.println(user.key() + " " + user.value());
 * }
 * }</pre>
 */
public final class Page {
    private final List<String> keys;
    private final List<Document> documents;
    private final String nextCursor;

    public Page(List<String> keys, List<Document> documents, String nextCursor) {
        this.keys = List.copyOf(requireNonNull(keys, "keys"));
        this.documents = List.copyOf(requireNonNull(documents, "documents"));
        this.nextCursor = nextCursor;
        if (!this.documents.isEmpty() && this.documents.size() != this.keys.size()) {
            throw new IllegalArgumentException("documents must be empty or one per key: " + keys.size() + " keys, "
                    + documents.size() + " documents");
        }
    }

    /** The keys, in query order. */
    public List<String> keys() {
        return keys;
    }

    /**
     * One document per key, in the same order.
     *
     * @throws IllegalStateException if the page holds keys but no documents because the query did not set
     *     {@code includeDocuments(true)}: an empty list would silently look like no data
     */
    public List<Document> documents() {
        if (!hasDocuments()) {
            throw new IllegalStateException("this page holds " + keys.size() + " keys and no documents: build the"
                    + " query with includeDocuments(true) to get them, or read keys()");
        }
        return documents;
    }

    /** Whether {@link #documents()} can be read: the query set {@code includeDocuments}, or the page is empty. */
    public boolean hasDocuments() {
        return keys.isEmpty() || !documents.isEmpty();
    }

    /** Where the next page starts, if this page was cut by the limit. */
    public Optional<String> nextCursor() {
        return Optional.ofNullable(nextCursor);
    }

    public int size() {
        return keys.size();
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    @Override
    public String toString() {
        return "Page{keys=" + keys + (hasDocuments() && !keys.isEmpty() ? ", with documents" : "") + ", nextCursor="
                + nextCursor + '}';
    }
}
