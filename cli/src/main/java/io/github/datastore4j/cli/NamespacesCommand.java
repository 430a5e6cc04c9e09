package io.github.datastore4j.cli;

import io.github.datastore4j.api.Storage;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code namespaces}: the namespaces that hold data, one a line, sorted. */
@Command(name = "namespaces", description = "Lists the namespaces that hold data, one a line.")
final class NamespacesCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        try (Storage storage = Storage.open(main.requireUri())) {
            new TreeSet<>(storage.namespaces()).forEach(System.out::println);
        }
        return 0;
    }
}
