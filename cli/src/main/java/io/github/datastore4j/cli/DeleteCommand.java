package io.github.datastore4j.cli;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyNotFoundException;
import io.github.datastore4j.api.Storage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code delete ns key [--rev n]}: deletes a key; {@code NOT_FOUND} if there is none. With {@code --rev}, only if the
 * key is at that revision. The API has no conditional delete, so the revision is checked just before the delete: on
 * a one-process store (json, h2, mapdb) this command holds the store's lock and nothing can write in between; on a
 * shared store another process could.
 */
@Command(name = "delete", description = "Deletes a key.")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Parameters(index = "1", paramLabel = "KEY")
    String key;

    @Option(names = "--rev", description = "Delete only if the key is at this revision.")
    Long rev;

    @Override
    public Integer call() {
        try (Storage storage = Storage.open(main.requireUri())) {
            Stores.requireNamespace(storage.namespaces(), namespace, main.uri);
            Datastore datastore = storage.datastore(namespace);
            Document current = datastore.getDocument(key).orElseThrow(() -> notFound());
            if (rev != null && current.rev() != rev) {
                throw new ConflictException(namespace, key, rev, current.rev());
            }
            if (!datastore.delete(key)) {
                throw notFound();
            }
            System.out.println("deleted " + key);
        }
        return 0;
    }

    private KeyNotFoundException notFound() {
        return new KeyNotFoundException("key '" + key + "' does not exist in namespace '" + namespace + "'");
    }
}
