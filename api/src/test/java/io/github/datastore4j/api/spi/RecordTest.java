package io.github.datastore4j.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RecordTest {
    private static final byte[] VALUE = "{\"hp\":10}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] METADATA = "{\"owner\":\"ann\"}".getBytes(StandardCharsets.UTF_8);
    private final Record record = Record.of("users", "ann", 7, 2, VALUE, METADATA);

    @Test
    @DisplayName("a new record verifies in its namespace, in format 2")
    void newRecordVerifies() {
        assertThat(record.checksumValid("users")).isTrue();
        assertThat(record.checksumFormat()).isEqualTo(2);
    }

    @Test
    @DisplayName("the checksum covers namespace, key, rev, schema version, value and metadata")
    void checksumCoversEveryField() {
        long sum = record.checksum();
        assertThat(record.checksumValid("other")).as("namespace").isFalse();
        assertThat(new Record("bob", 7, 2, sum, VALUE, METADATA).checksumValid("users"))
                .as("key")
                .isFalse();
        assertThat(new Record("ann", 8, 2, sum, VALUE, METADATA).checksumValid("users"))
                .as("rev")
                .isFalse();
        assertThat(new Record("ann", 7, 3, sum, VALUE, METADATA).checksumValid("users"))
                .as("schema version")
                .isFalse();
        assertThat(new Record("ann", 7, 2, sum, "{\"hp\":11}".getBytes(StandardCharsets.UTF_8), METADATA)
                        .checksumValid("users"))
                .as("value")
                .isFalse();
        assertThat(new Record("ann", 7, 2, sum, VALUE, new byte[0]).checksumValid("users"))
                .as("metadata")
                .isFalse();
    }

    @Test
    @DisplayName("bytes moved from the value into the metadata do not keep the checksum")
    void fieldBoundariesCount() {
        Record joined = Record.of("ns", "k", 1, 0, "[1,2]".getBytes(StandardCharsets.UTF_8), new byte[0]);
        Record split = new Record(
                "k",
                1,
                0,
                joined.checksum(),
                "[1,".getBytes(StandardCharsets.UTF_8),
                "2]".getBytes(StandardCharsets.UTF_8));
        assertThat(split.checksumValid("ns")).isFalse();
    }

    @Test
    @DisplayName("a format-1 record written by 0.1 still verifies, and a changed byte still fails it")
    void formatOneStillReads() {
        long legacy = Record.legacyChecksumOf(VALUE, METADATA);
        assertThat(legacy >>> 32).isZero();
        Record old = new Record("ann", 7, 2, legacy, VALUE, METADATA);
        assertThat(old.checksumFormat()).isEqualTo(1);
        assertThat(old.checksumValid("users")).isTrue();
        assertThat(new Record("ann", 7, 2, legacy ^ 1, VALUE, METADATA).checksumValid("users"))
                .isFalse();
    }

    @Test
    @DisplayName("a checksum of an unknown format, or a format-2 sum whose tag was damaged, never verifies")
    void damagedFormatTagFails() {
        long sum = record.checksum();
        assertThat(new Record("ann", 7, 2, sum & 0xFFFF_FFFFL, VALUE, METADATA).checksumValid("users"))
                .isFalse();
        assertThat(new Record("ann", 7, 2, (3L << 32) | (sum & 0xFFFF_FFFFL), VALUE, METADATA).checksumValid("users"))
                .isFalse();
    }
}
