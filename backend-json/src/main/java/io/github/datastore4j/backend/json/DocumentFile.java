package io.github.datastore4j.backend.json;

import io.github.datastore4j.api.spi.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The format of one document file: a JSON object with {@code key}, {@code rev}, {@code schemaVersion} and {@code
 * checksum} on lines of their own, then the {@code metadata} if the document has any and the {@code value}, both
 * exactly as the engine wrote them (compact), so that they are returned byte for byte (re-serializing JSON numbers is
 * not always exact, and the checksum is of those bytes).
 *
 * <p>The backend does not judge values — the engine does, with its own limits — so files are read without Jackson's
 * default limits on nesting, number and name length: a value the engine accepted always reads back, even though the
 * envelope nests it one level deeper. Stateless and thread-safe.
 */
final class DocumentFile {
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(Integer.MAX_VALUE)
                            .maxNumberLength(Integer.MAX_VALUE)
                            .maxNameLength(Integer.MAX_VALUE)
                            .maxStringLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .build();

    private DocumentFile() {}

    /** The bytes of {@code record}'s file; refused if its value or metadata is not one JSON value. */
    static byte[] format(Record record) {
        byte[] value = record.value();
        byte[] metadata = record.metadata();
        requireJson(record.key(), "value", value);
        if (metadata.length > 0) {
            requireJson(record.key(), "metadata", metadata);
        }
        String header = "{\n  \"key\" : " + JSON.writeValueAsString(record.key())
                + ",\n  \"rev\" : " + record.rev()
                + ",\n  \"schemaVersion\" : " + record.schemaVersion()
                + ",\n  \"checksum\" : " + record.checksum()
                + (metadata.length > 0 ? ",\n  \"metadata\" : " : "");
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        byte[] valueName = ",\n  \"value\" : ".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\n}\n".getBytes(StandardCharsets.UTF_8);
        ByteBuffer file =
                ByteBuffer.allocate(head.length + metadata.length + valueName.length + value.length + tail.length);
        return file.put(head).put(metadata).put(valueName).put(value).put(tail).array();
    }

    /** A file holding anything but one JSON value could never be read back; the engine only sends JSON. */
    private static void requireJson(String key, String what, byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            parser.skipChildren();
            if (first == null || parser.nextToken() != null) {
                throw new IllegalArgumentException(what + " of key '" + key + "' is not one JSON value");
            }
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    what + " of key '" + key + "' is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses a document file, taking the value's bytes verbatim from between its first and last token.
     *
     * @throws IllegalArgumentException or {@link JacksonException} if it is not a document file
     */
    static Record parse(byte[] bytes) {
        String key = null;
        Long rev = null;
        Integer schemaVersion = null;
        Long checksum = null;
        int valueStart = -1;
        int valueEnd = -1;
        int metadataStart = -1;
        int metadataEnd = -1;
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException(bytes.length == 0 ? "it is empty" : "it is not a JSON object");
            }
            JsonToken token = parser.nextToken();
            while (token == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                switch (name) {
                    case "key" -> key = valueToken == JsonToken.VALUE_STRING ? parser.getString() : null;
                    case "rev" -> rev = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "schemaVersion" ->
                        schemaVersion = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                    case "checksum" ->
                        checksum = valueToken == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "value" ->
                        valueStart = (int) parser.currentTokenLocation().getByteOffset();
                    case "metadata" ->
                        metadataStart = (int) parser.currentTokenLocation().getByteOffset();
                    default -> {
                        // unknown fields are tolerated, so later versions may add some
                    }
                }
                parser.skipChildren();
                token = parser.nextToken();
                if ("value".equals(name)) {
                    valueEnd = (int) parser.currentTokenLocation().getByteOffset(); // next name or the closing }
                } else if ("metadata".equals(name)) {
                    metadataEnd = (int) parser.currentTokenLocation().getByteOffset();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new IllegalArgumentException("it has content after the document object");
            }
        }
        if (key == null || rev == null || schemaVersion == null || checksum == null || valueStart < 0) {
            throw new IllegalArgumentException("it lacks a key, rev, schemaVersion, checksum or value");
        }
        byte[] metadata = metadataStart < 0 ? new byte[0] : verbatim(bytes, metadataStart, metadataEnd);
        return new Record(key, rev, schemaVersion, checksum, verbatim(bytes, valueStart, valueEnd), metadata);
    }

    /** The bytes of a field's JSON value, from its first token to before the separator that follows it. */
    private static byte[] verbatim(byte[] bytes, int start, int end) {
        while (end > start && (Character.isWhitespace(bytes[end - 1]) || bytes[end - 1] == ',')) {
            end--;
        }
        return Arrays.copyOfRange(bytes, start, end);
    }
}
