package io.github.datastore4j.api.spi;

/**
 * {@link SharedBackend#changesAfter} was asked for the changes after a position from which the feed no longer holds
 * all of them: a change a reader at that position has not seen was dropped (by the {@linkplain SharedBackend
 * trimming rules}, the change of a key deleted long ago). The reader must start again: an engine from a new {@link
 * SharedBackend#snapshot snapshot}, an application from position {@code 0}, which always holds every live key's
 * latest change.
 */
public final class FeedTrimmedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long position;
    private final long keptFrom;

    /**
     * @param message what was asked of which store, for the reader's log
     * @param position the position asked for
     * @param keptFrom the oldest position the feed can be read from now (besides {@code 0})
     */
    public FeedTrimmedException(String message, long position, long keptFrom) {
        super(message);
        this.position = position;
        this.keptFrom = keptFrom;
    }

    /** The position asked for. */
    public long position() {
        return position;
    }

    /** The oldest position, besides {@code 0}, that the feed can be read from now. */
    public long keptFrom() {
        return keptFrom;
    }
}
