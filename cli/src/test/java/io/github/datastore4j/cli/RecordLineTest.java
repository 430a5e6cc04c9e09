package io.github.datastore4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.InvalidKeyException;
import io.github.datastore4j.api.spi.Record;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("A record line")
class RecordLineTest {
    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(RecordLine line) {
        return new String(line.toBytes(), StandardCharsets.UTF_8);
    }

    @Nested
    @DisplayName("written from a record")
    class Writing {
        @Test
        @DisplayName("holds key, rev, schema version and the value bytes verbatim, then a line break")
        void holdsEveryFieldAndTheValueVerbatim() {
            Record record = Record.of("users", "alice", 3, 1, utf8("{\"n\":1.50,\"e\":1E+3}"));
            assertThat(text(RecordLine.of(record)))
                    .isEqualTo("{\"key\":\"alice\",\"rev\":3,\"schemaVersion\":1,\"value\":{\"n\":1.50,\"e\":1E+3}}\n");
        }

        @Test
        @DisplayName("adds metadata only when the document has some")
        void addsMetadataOnlyWhenThere() {
            Record with = Record.of("users", "a", 1, 0, utf8("1"), utf8("{\"source\":\"signup\"}"));
            assertThat(text(RecordLine.of(with))).endsWith(",\"value\":1,\"metadata\":{\"source\":\"signup\"}}\n");
            assertThat(text(RecordLine.of(Record.of("users", "a", 1, 0, utf8("1")))))
                    .doesNotContain("metadata");
        }

        @Test
        @DisplayName("escapes awkward keys so that the line stays one JSON line")
        void escapesAwkwardKeys() {
            String key = "../x\n\"quoted\"\u0000\u00e9\ud83d\ude00";
            RecordLine line = RecordLine.of(Record.of("ns", key, 1, 0, utf8("\"v\"")));
            String written = text(line);
            assertThat(written.indexOf('\n')).isEqualTo(written.length() - 1);
            assertThat(RecordLine.parse(utf8(written.strip())).key()).isEqualTo(key);
        }

        @Test
        @DisplayName("writes a stored value with line breaks compact, the one case where bytes change")
        void compactsAMultiLineValue() {
            Record record = Record.of("ns", "k", 1, 0, utf8("{\n  \"a\" : [ 1, 2 ]\n}"));
            assertThat(text(RecordLine.of(record))).contains("\"value\":{\"a\":[1,2]}}");
        }
    }

    @Nested
    @DisplayName("read back")
    class Reading {
        @Test
        @DisplayName("gives the same record, checksum included, for every kind of value")
        void roundTripsEveryKindOfValue() {
            for (String value : new String[] {
                "{\"a\":{\"b\":[1,true,null]}}",
                "[]",
                "\"text \\\"q\\\" \\u00e9\"",
                "-0.0",
                "1e400",
                "null",
                "false",
                "123456789012345678901234567890"
            }) {
                Record record = Record.of("ns", "k", 7, 2, utf8(value), utf8("{\"m\":[1]}"));
                RecordLine line = RecordLine.of(record);
                byte[] bytes = line.toBytes();
                RecordLine back = RecordLine.parse(java.util.Arrays.copyOf(bytes, bytes.length - 1));
                assertThat(back).isEqualTo(line);
                assertThat(back.toRecord("ns")).isEqualTo(record);
                assertThat(back.toRecord("ns").checksumValid("ns")).isTrue();
            }
        }

        @Test
        @DisplayName("keeps the value's own bytes, spaces included, wherever its fields stand")
        void keepsTheValueBytesInAnyFieldOrder() {
            RecordLine line = RecordLine.parse(
                    utf8("{ \"value\" : { \"a\" : 1 } , \"rev\":2,\"key\":\"k\",\"schemaVersion\":0}"));
            assertThat(new String(line.value(), StandardCharsets.UTF_8)).isEqualTo("{ \"a\" : 1 }");
            assertThat(line.rev()).isEqualTo(2);
            assertThat(line.metadata()).isEmpty();
        }

        @Test
        @DisplayName("refuses what is not JSON, naming the problem")
        void refusesBadJson() {
            assertThatThrownBy(() -> RecordLine.parse(utf8("{\"key\":\"k\",\"rev\":1,")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("not valid JSON");
            assertThatThrownBy(() -> RecordLine.parse(utf8("[1]"))).hasMessage("not a JSON object");
            assertThatThrownBy(
                            () -> RecordLine.parse(utf8("{\"key\":\"k\",\"rev\":1,\"schemaVersion\":0,\"value\":1} x")))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        @DisplayName("refuses missing fields, bad revisions, non-object metadata, unknown fields and bad keys")
        void refusesBadFields() {
            assertThatThrownBy(() -> RecordLine.parse(utf8("{\"key\":\"k\",\"rev\":1,\"schemaVersion\":0}")))
                    .hasMessage("no \"value\" for key 'k'");
            assertThatThrownBy(
                            () -> RecordLine.parse(utf8("{\"key\":\"k\",\"rev\":0,\"schemaVersion\":0,\"value\":1}")))
                    .hasMessageContaining("revisions start at 1");
            assertThatThrownBy(() -> RecordLine.parse(
                            utf8("{\"key\":\"k\",\"rev\":1,\"schemaVersion\":0,\"value\":1,\"metadata\":[]}")))
                    .hasMessage("\"metadata\" is not a JSON object");
            assertThatThrownBy(() -> RecordLine.parse(
                            utf8("{\"key\":\"k\",\"rev\":1,\"schemaVersion\":0,\"value\":1,\"checksum\":5}")))
                    .hasMessageContaining("unknown field \"checksum\"");
            assertThatThrownBy(() -> RecordLine.parse(utf8("{\"key\":\"\",\"rev\":1,\"schemaVersion\":0,\"value\":1}")))
                    .isInstanceOf(InvalidKeyException.class);
        }
    }
}
