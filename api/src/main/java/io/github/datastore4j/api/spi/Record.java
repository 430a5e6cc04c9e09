package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What a backend stores for one key: the key, its revision, the schema version, a CRC32C checksum of the value bytes,
 * and the value as UTF-8 JSON bytes. Backends store and return records verbatim; they never interpret the value.
 *
 * <p>Immutable: the value array is copied on the way in and on the way out.
 */
public final class Record {
    private final String key;
    private final long rev;
    private final int schemaVersion;
    private final long checksum;
    private final byte[] value;

    /**
     * A record as read back from storage, with the checksum that was stored beside it. Use {@link #checksumValid()}
     * to verify it.
     */
    public Record(String key, long rev, int schemaVersion, long checksum, byte[] value) {
        this.key = requireNonNull(key, "key");
        this.rev = rev;
        this.schemaVersion = schemaVersion;
        this.checksum = checksum;
        this.value = requireNonNull(value, "value").clone();
    }

    /** A new record whose checksum is computed from {@code value}. */
    public static Record of(String key, long rev, int schemaVersion, byte[] value) {
        return new Record(key, rev, schemaVersion, checksumOf(value), value);
    }

    /** The CRC32C of {@code bytes}, as an unsigned 32-bit number. */
    public static long checksumOf(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
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

    /** The stored CRC32C of the value bytes. */
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

    /** Whether the value bytes still match the stored checksum. */
    public boolean checksumValid() {
        return checksumOf(value) == checksum;
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
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Long.hashCode(rev);
    }

    @Override
    public String toString() {
        return "Record{key='" + key + "', rev=" + rev + ", schemaVersion=" + schemaVersion + ", checksum=" + checksum
                + ", bytes=" + value.length + '}';
    }
}
