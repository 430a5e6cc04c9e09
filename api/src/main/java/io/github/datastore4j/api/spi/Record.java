package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What a backend stores for one key: the key, its revision, the schema version, a checksum, the value as UTF-8 JSON
 * bytes, and the document's metadata as UTF-8 JSON bytes (empty when the document has none). Backends store and
 * return records verbatim; they never interpret the value, the metadata or the checksum.
 *
 * <p><b>Checksum formats.</b> The checksum is a CRC32C in the low 32 bits of a {@code long}; the high 32 bits say
 * which format computed it, so stores written by older releases stay readable:
 *
 * <ul>
 *   <li><b>format 2</b> (written since 0.2): high bits {@code 2}; the CRC32C covers everything that identifies the
 *       record — namespace, key, revision, schema version, value and metadata, each length-prefixed — so a changed
 *       byte anywhere, or a record stored under another key or namespace, fails it;
 *   <li><b>format 1</b> (0.1): high bits {@code 0}; the CRC32C of the value bytes followed by the metadata bytes.
 *       Such records are still verified that way on read, and written in format 2 on their next change.
 * </ul>
 *
 * <p>Immutable: the arrays are copied on the way in and on the way out.
 */
public final class Record {
    private static final byte[] NO_METADATA = new byte[0];
    /** The current checksum format, in the high 32 bits of {@link #checksum()}. */
    public static final int CHECKSUM_FORMAT = 2;

    private static final long FORMAT_2 = (long) CHECKSUM_FORMAT << 32;

    private final String key;
    private final long rev;
    private final int schemaVersion;
    private final long checksum;
    private final byte[] value;
    private final byte[] metadata;

    /**
     * A record without metadata as read back from storage, with the checksum that was stored beside it. Use {@link
     * #checksumValid(String)} to verify it.
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

    /** A new record of {@code namespace} without metadata, with a current-format checksum. */
    public static Record of(String namespace, String key, long rev, int schemaVersion, byte[] value) {
        return of(namespace, key, rev, schemaVersion, value, NO_METADATA);
    }

    /** A new record of {@code namespace} with a current-format checksum; {@code metadata} empty means none. */
    public static Record of(String namespace, String key, long rev, int schemaVersion, byte[] value, byte[] metadata) {
        return new Record(
                key,
                rev,
                schemaVersion,
                checksumOf(namespace, key, rev, schemaVersion, value, metadata),
                value,
                metadata);
    }

    /** The current-format checksum of a record: format tag in the high bits, CRC32C of every field in the low. */
    public static long checksumOf(
            String namespace, String key, long rev, int schemaVersion, byte[] value, byte[] metadata) {
        CRC32C crc = new CRC32C();
        ByteBuffer fixed = ByteBuffer.allocate(Long.BYTES + Integer.BYTES);
        update(crc, namespace.getBytes(StandardCharsets.UTF_8));
        update(crc, key.getBytes(StandardCharsets.UTF_8));
        crc.update(fixed.putLong(rev).putInt(schemaVersion).flip());
        update(crc, value);
        update(crc, metadata);
        return FORMAT_2 | crc.getValue();
    }

    /** Length-prefixed, so that no field's bytes can pass for another's. */
    private static void update(CRC32C crc, byte[] bytes) {
        crc.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).flip());
        crc.update(bytes, 0, bytes.length);
    }

    /**
     * The format-1 checksum (0.1): the CRC32C of {@code value} followed by {@code metadata}, high bits zero. For
     * reading stores written by 0.1 and for tests that build one; new records use {@link #of}.
     */
    public static long legacyChecksumOf(byte[] value, byte[] metadata) {
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

    /** The stored checksum: format in the high 32 bits, CRC32C in the low (see the class comment). */
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

    /**
     * Whether this record, read from {@code namespace}, still matches its stored checksum, in the format the checksum
     * says it was written in. A checksum of an unknown format never matches.
     */
    public boolean checksumValid(String namespace) {
        long format = checksum >>> 32;
        if (format == 0) {
            return legacyChecksumOf(value, metadata) == checksum;
        }
        return format == CHECKSUM_FORMAT && checksumOf(namespace, key, rev, schemaVersion, value, metadata) == checksum;
    }

    /** The checksum format this record was written in (1 or 2; anything else is damage). */
    public int checksumFormat() {
        long format = checksum >>> 32;
        return format == 0 ? 1 : (int) Math.min(format, Integer.MAX_VALUE);
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
