package io.github.datastore4j.cli;

import io.github.datastore4j.api.Transfer;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Locations;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code copy from-uri to-uri [ns…]}: copies namespaces store to store with {@link Transfer#copy}, every namespace of
 * the source when none is named. Keys, revisions, schema versions and value bytes arrive unchanged; the target
 * namespace must be empty or hold only exact copies (what an interrupted copy leaves), so running it again finishes
 * the job. {@code Transfer} reads a whole namespace before it writes; for namespaces larger than the heap, use
 * {@code export | import}, which stream.
 */
@Command(name = "copy", description = "Copies namespaces from one store to another (all of them by default).")
final class CopyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "FROM_URI")
    String from;

    @Parameters(index = "1", paramLabel = "TO_URI")
    String to;

    @Parameters(index = "2..*", paramLabel = "NAMESPACE", description = "The namespaces to copy (default: all).")
    List<String> namespaces = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> toCopy = namespaces;
        if (toCopy.isEmpty()) {
            try (Backend source = Stores.openBackend(from)) {
                toCopy = new ArrayList<>(new TreeSet<>(Stores.join(source.namespaces(), "list namespaces")));
            }
            if (toCopy.isEmpty()) {
                throw new IllegalArgumentException(Locations.redact(from) + " holds no namespace to copy");
            }
        }
        long total = 0;
        for (String namespace : toCopy) {
            int copied;
            Progress[] progress = new Progress[1];
            try {
                copied = Transfer.copy(from, to, namespace, (done, all) -> {
                    if (progress[0] == null) {
                        progress[0] = Progress.start(main.progress, "copy " + namespace, all, Progress.Unit.RECORDS);
                    }
                    progress[0].stepTo(done);
                });
            } finally {
                if (progress[0] != null) {
                    progress[0].close();
                }
            }
            total += copied;
            System.err.printf("copied %,d records of namespace '%s'%n", copied, namespace);
        }
        System.err.printf(
                "copied %,d records in %d namespaces from %s to %s%n",
                total, toCopy.size(), Locations.redact(from), Locations.redact(to));
        return 0;
    }
}
