package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What a backend stores for one key: the key, its revision, the schema version, a CRC32C checksum, the value as UTF-8
 * JSON bytes, and the document's metadata as UTF-8 JSON bytes (empty when the document has none). Backends store and
 * return records verbatim; they never interpret the value or the metadata.
 *
 * <p>The checksum covers the value bytes followed by the metadata bytes, so a record without metadata has the
 * checksum of its value alone.
 *
 * <p>Immutable: the arrays are copied on the way in and on the way out.
 */
public final class Record {
    private static final byte[] NO_METADATA = new byte[0];

    private final String key;
    private final long rev;
    private final int schemaVersion;
    private final long checksum;
    private final byte[] value;
    private final byte[] metadata;

    /**
     * A record without metadata as read back from storage, with the checksum that was stored beside it. Use {@link
     * #checksumValid()} to verify it.
     */
    public Record(String key, long rev, int schemaVersion, long checksum, byte[] value) {
        this(key, rev, schemaVersion, checksum, value, NO_METADATA);
    }

    /**
     * A record as read back from storage, with the checksum that was stored beside it; {@code metadata} is empty when
     * the document has none.
     */
    public Record(String key, long rev, int schemaVersion, long checksum, byte[] value, byte[] metadata) {
        this.key = requireNonNull(key, "key");
        this.rev = rev;
        this.schemaVersion = schemaVersion;
        this.checksum = checksum;
        this.value = requireNonNull(value, "value").clone();
        this.metadata = requireNonNull(metadata, "metadata").length == 0 ? NO_METADATA : metadata.clone();
    }

    /** A new record without metadata, whose checksum is computed from {@code value}. */
    public static Record of(String key, long rev, int schemaVersion, byte[] value) {
        return new Record(key, rev, schemaVersion, checksumOf(value), value);
    }

    /** A new record whose checksum is computed from {@code value} and {@code metadata} (empty: none). */
    public static Record of(String key, long rev, int schemaVersion, byte[] value, byte[] metadata) {
        return new Record(key, rev, schemaVersion, checksumOf(value, metadata), value, metadata);
    }

    /** The CRC32C of {@code bytes}, as an unsigned 32-bit number. */
    public static long checksumOf(byte[] bytes) {
        return checksumOf(bytes, NO_METADATA);
    }

    /** The CRC32C of {@code value} followed by {@code metadata}, as an unsigned 32-bit number. */
    public static long checksumOf(byte[] value, byte[] metadata) {
        CRC32C crc = new CRC32C();
        crc.update(value, 0, value.length);
        crc.update(metadata, 0, metadata.length);
        return crc.getValue();
    }

    public String key() {
        return key;
    }

    public long rev() {
        return rev;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    /** The stored CRC32C of the value bytes followed by the metadata bytes. */
    public long checksum() {
        return checksum;
    }

    /** A copy of the value bytes: UTF-8 JSON. */
    public byte[] value() {
        return value.clone();
    }

    public int valueLength() {
        return value.length;
    }

    /** A copy of the metadata bytes: UTF-8 JSON, or empty if the document has none. */
    public byte[] metadata() {
        return metadata.clone();
    }

    public boolean hasMetadata() {
        return metadata.length > 0;
    }

    /** Whether the value and metadata bytes still match the stored checksum. */
    public boolean checksumValid() {
        return checksumOf(value, metadata) == checksum;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Record)) {
            return false;
        }
        Record that = (Record) other;
        return rev == that.rev
                && schemaVersion == that.schemaVersion
                && checksum == that.checksum
                && key.equals(that.key)
                && Arrays.equals(value, that.value)
                && Arrays.equals(metadata, that.metadata);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Long.hashCode(rev);
    }

    @Override
    public String toString() {
        return "Record{key='" + key + "', rev=" + rev + ", schemaVersion=" + schemaVersion + ", checksum=" + checksum
                + ", bytes=" + value.length + (metadata.length == 0 ? "" : ", metadataBytes=" + metadata.length) + '}';
    }
}
