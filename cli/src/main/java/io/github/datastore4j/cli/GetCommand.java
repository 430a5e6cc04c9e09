package io.github.datastore4j.cli;

import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.Storage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code get ns key}: the value as JSON, or with {@code --document} the whole document on one line. */
@Command(name = "get", description = "Prints the value of a key as JSON.")
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Option(
            names = {"-d", "--document"},
            description = "Print key, rev, schemaVersion, value and metadata as one JSON line.")
    boolean document;

    @Override
    public Integer call() {
        try (Storage storage = Storage.open(main.requireUri())) {
            Stores.requireNamespace(storage.namespaces(), namespace, main.uri);
            Document found = storage.datastore(namespace)
                    .getDocument(key)
                    .orElseThrow(() -> new KeyNotFoundException(
                            "key '" + key + "' does not exist in namespace '" + namespace + "'"));
            System.out.println(
                    document ? DocumentJson.of(found) : DocumentJson.MAPPER.writeValueAsString(found.value()));
        }
        return 0;
    }
}
