package io.github.datastore4j.cli;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.ErrorCode;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code put ns key [json]}: stores a JSON value, from the argument or standard input; with {@code --rev} only if the
 * key is still at that revision ({@code Datastore.put}), else {@code CONFLICT}. Prints the new revision.
 */
@Command(name = "put", description = "Stores a JSON value under a key and prints its new revision.")
final class PutCommand implements Callable<Integer> {
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Parameters(
            index = "2",
            arity = "0..1",
            paramLabel = "JSON",
            description = "The value; without it, or with -, read from standard input.")
    String json;

    @Option(
            names = "--rev",
            description = "Write only if the key is at this revision (optimistic concurrency); 0: only if absent.")
    Long rev;

    @Override
    public Integer call() throws IOException {
        String text =
                json == null || json.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : json;
        JsonNode value = parse(text);
        try (Storage storage = Storage.open(main.requireUri())) {
            Datastore datastore = storage.datastore(namespace);
            Document written;
            if (rev == null) {
                written = datastore.set(key, value);
            } else if (rev == 0) {
                if (!datastore.setOnce(key, value)) {
                    throw new DatastoreException(
                            ErrorCode.CONFLICT,
                            "key '" + key + "' in namespace '" + namespace + "' exists (rev "
                                    + datastore
                                            .getDocument(key)
                                            .map(Document::rev)
                                            .orElse(0L)
                                    + "); --rev 0 writes only an absent key");
                }
                written = datastore.getDocument(key).orElseThrow();
            } else {
                written = datastore.put(key, value, rev);
            }
            System.out.println("rev " + written.rev());
        }
        return 0;
    }

    private JsonNode parse(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("no value for key '" + key + "': give JSON as an argument or on stdin");
        }
        try {
            return STRICT.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(
                    "the value for key '" + key + "' is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr() + ")"),
                    e);
        }
    }
}
