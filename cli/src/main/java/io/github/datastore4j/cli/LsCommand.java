package io.github.datastore4j.cli;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Storage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code ls ns}: the keys of a namespace in key order, one a line, paged through the key query. */
@Command(name = "ls", description = "Lists the keys of a namespace in key order, one a line.")
final class LsCommand implements Callable<Integer> {
    private static final int PAGE = 1_000;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAMESPACE")
    String namespace;

    @Option(names = "--prefix", description = "Only keys that start with this.")
    String prefix;

    @Option(names = "--limit", description = "At most this many keys.")
    Integer limit;

    @Override
    public Integer call() {
        if (limit != null && limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 or more, not " + limit);
        }
        try (Storage storage = Storage.open(main.requireUri())) {
            Stores.requireNamespace(storage.namespaces(), namespace, main.uri);
            Datastore datastore = storage.datastore(namespace);
            KeyQuery.Builder builder = KeyQuery.builder();
            if (prefix != null && !prefix.isEmpty()) {
                builder.startKey(prefix).endKey(prefix + Character.MAX_VALUE);
            }
            int left = limit == null ? Integer.MAX_VALUE : limit;
            KeyQuery query = builder.limit(Math.min(PAGE, Math.max(1, left))).build();
            Page page = datastore.queryKeys(query);
            while (left > 0) {
                for (String key : page.keys()) {
                    if (left-- == 0) {
                        break;
                    }
                    System.out.println(key);
                }
                if (left <= 0 || page.nextCursor().isEmpty()) {
                    break;
                }
                page = datastore.queryKeys(query.withCursor(page.nextCursor().get()));
            }
        }
        return 0;
    }
}
