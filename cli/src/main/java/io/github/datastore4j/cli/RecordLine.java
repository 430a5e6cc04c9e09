package io.github.datastore4j.cli;

import io.github.datastore4j.api.spi.Names;
import io.github.datastore4j.api.spi.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One record as one line of JSON, the format of {@code export} and {@code import}:
 *
 * <pre>{@code
 * {"key":"alice","rev":3,"schemaVersion":1,"value":{"name":"Alice"},"metadata":{"source":"signup"}}
 * }</pre>
 *
 * <p>{@code value} and {@code metadata} are the stored UTF-8 JSON bytes, written verbatim and read back verbatim (the
 * exact bytes between their first and last character), so a record survives a round trip byte for byte and its
 * checksum recomputes to the same value. {@code metadata} is left out when the document has none. The checksum is
 * not part of the line: it covers the namespace, which an import may change, so the importer computes it afresh.
 *
 * @param key the document's key
 * @param rev its revision, at least 1
 * @param schemaVersion its schema version, at least 0
 * @param value the value's JSON bytes
 * @param metadata the metadata's JSON bytes (an object), or empty for none
 */
public record RecordLine(String key, long rev, int schemaVersion, byte[] value, byte[] metadata) {
    private static final JsonMapper MAPPER = JsonMapper.shared();
    private static final byte[] NONE = new byte[0];

    /** The line of {@code record}. */
    public static RecordLine of(Record record) {
        return new RecordLine(record.key(), record.rev(), record.schemaVersion(), record.value(), record.metadata());
    }

    /** The record this line stores in {@code namespace}, with a current-format checksum. */
    public Record toRecord(String namespace) {
        return Record.of(namespace, key, rev, schemaVersion, value, metadata);
    }

    /** Writes this line and its {@code '\n'} to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        out.write("{\"key\":".getBytes(StandardCharsets.US_ASCII));
        out.write(MAPPER.writeValueAsBytes(key));
        out.write((",\"rev\":" + rev + ",\"schemaVersion\":" + schemaVersion + ",\"value\":")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(oneLine(value));
        if (metadata.length > 0) {
            out.write(",\"metadata\":".getBytes(StandardCharsets.US_ASCII));
            out.write(oneLine(metadata));
        }
        out.write('}');
        out.write('\n');
    }

    /** This line as bytes, with its {@code '\n'}. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + metadata.length + key.length() + 64);
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
        return out.toByteArray();
    }

    /**
     * JSON bytes outside strings may hold line breaks only as white space; a stored value written pretty would break
     * the line, so such a value is written compact instead (the only case where the bytes change).
     */
    private static byte[] oneLine(byte[] json) {
        for (byte b : json) {
            if (b == '\n' || b == '\r') {
                return MAPPER.writeValueAsBytes(MAPPER.readTree(json));
            }
        }
        return json;
    }

    /**
     * Reads one line (without its line break).
     *
     * @throws IllegalArgumentException naming what is wrong with the line
     */
    public static RecordLine parse(byte[] line) {
        String key = null;
        Long rev = null;
        Integer schemaVersion = null;
        byte[] value = null;
        byte[] metadata = NONE;
        try (JsonParser parser = MAPPER.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken next = parser.nextToken();
                switch (field) {
                    case "key" -> {
                        require(next == JsonToken.VALUE_STRING, "\"key\" is not a string");
                        key = parser.getString();
                    }
                    case "rev" -> {
                        require(next == JsonToken.VALUE_NUMBER_INT, "\"rev\" is not an integer");
                        rev = parser.getLongValue();
                    }
                    case "schemaVersion" -> {
                        require(next == JsonToken.VALUE_NUMBER_INT, "\"schemaVersion\" is not an integer");
                        schemaVersion = parser.getIntValue();
                    }
                    case "value" -> value = rawValue(parser, line);
                    case "metadata" -> {
                        require(next == JsonToken.START_OBJECT, "\"metadata\" is not a JSON object");
                        metadata = rawValue(parser, line);
                    }
                    default ->
                        throw new IllegalArgumentException("unknown field \"" + field
                                + "\"; a line has key, rev, schemaVersion, value and metadata");
                }
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("text after the record's closing '}'");
            }
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        require(key != null, "no \"key\"");
        require(rev != null, "no \"rev\" for key '" + key + "'");
        require(schemaVersion != null, "no \"schemaVersion\" for key '" + key + "'");
        require(value != null, "no \"value\" for key '" + key + "'");
        require(rev >= 1, "\"rev\" of key '" + key + "' is " + rev + "; revisions start at 1");
        require(schemaVersion >= 0, "\"schemaVersion\" of key '" + key + "' is negative: " + schemaVersion);
        Names.requireValidKey(key);
        return new RecordLine(key, rev, schemaVersion, value, metadata);
    }

    /** The exact bytes of the value the parser stands on, which it then passes over. */
    private static byte[] rawValue(JsonParser parser, byte[] line) {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        if (parser.currentToken().isStructStart()) {
            parser.skipChildren();
        } else {
            parser.finishToken(); // a string is read lazily: its end is known only once finished
        }
        int end = (int) parser.currentLocation().getByteOffset();
        return Arrays.copyOfRange(line, start, end);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** The value as a tree, for display. */
    public JsonNode valueTree() {
        return MAPPER.readTree(value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecordLine that
                && rev == that.rev
                && schemaVersion == that.schemaVersion
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
        return new String(toBytes(), StandardCharsets.UTF_8).strip();
    }
}
