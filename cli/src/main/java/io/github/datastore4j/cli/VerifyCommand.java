package io.github.datastore4j.cli;

import io.github.datastore4j.api.QuarantinedRecord;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.spi.Backend;
import io.github.datastore4j.api.spi.Damaged;
import io.github.datastore4j.api.spi.Names;
import io.github.datastore4j.api.spi.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code verify [ns…]}: reads every record of the store (or of the namespaces named) straight from the backend and
 * checks it: the entry can be read as a record at all, its CRC32C checksum (over namespace, key, revision, schema
 * version, value and metadata), that value and metadata are one JSON value each (metadata an object), and that key,
 * revision and schema version are valid. Prints each damaged record on standard output and exits with 3 if there was
 * any. With {@code --quarantine} the damaged records are then moved aside by opening the store with
 * {@code onCorrupt=quarantine} (nothing is deleted: json keeps them in {@code .quarantine/}, h2 in a table, mapdb in a
 * map), so the rest loads again; the exit code still says damage was found.
 */
@Command(name = "verify", description = "Checks the checksum and integrity of every record; exit code 3 on damage.")
final class VerifyCommand implements Callable<Integer> {
    private static final JsonMapper MAPPER = JsonMapper.shared();

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAMESPACE", arity = "0..*", description = "The namespaces to check (default: all).")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--quarantine", description = "Move damaged records aside (onCorrupt=quarantine) after checking.")
    boolean quarantine;

    @Override
    public Integer call() {
        String uri = main.requireUri();
        List<String> problems = new ArrayList<>();
        Set<String> damagedNamespaces = new TreeSet<>();
        long checked = 0;
        Set<String> toCheck;
        try (Backend backend = Stores.openBackend(uri)) {
            Set<String> present = Stores.join(backend.namespaces(), "list namespaces");
            if (namespaces.isEmpty()) {
                toCheck = new TreeSet<>(present);
            } else {
                toCheck = new TreeSet<>(namespaces);
                toCheck.forEach(namespace -> Stores.requireNamespace(present, namespace, uri));
            }
            for (String namespace : toCheck) {
                long total = main.progress == Progress.Mode.NONE ? -1 : Stores.count(backend, namespace);
                int before = problems.size();
                AtomicLong scanned = new AtomicLong();
                try (Progress progress =
                        Progress.start(main.progress, "verify " + namespace, total, Progress.Unit.RECORDS)) {
                    Stores.join(
                            backend.scan(
                                    namespace,
                                    record -> {
                                        scanned.incrementAndGet();
                                        String problem = problemOf(namespace, record);
                                        if (problem != null) {
                                            problems.add(namespace + ": key '" + record.key() + "' " + problem);
                                        }
                                        progress.step(1);
                                    },
                                    (Damaged damaged) -> {
                                        scanned.incrementAndGet();
                                        problems.add(namespace + ": " + damaged.describe() + " " + damaged.problem());
                                        progress.step(1);
                                    }),
                            "scan namespace '" + namespace + "'");
                }
                if (problems.size() > before) {
                    damagedNamespaces.add(namespace);
                }
                checked += scanned.get();
            }
        }
        problems.forEach(problem -> System.out.println("damaged: " + problem));
        if (problems.isEmpty()) {
            System.out.printf(
                    "verified %,d records in %d namespaces of %s: no damage%n",
                    checked, toCheck.size(), main.shownUri());
            return 0;
        }
        if (quarantine) {
            moveAside(uri, damagedNamespaces);
        }
        throw new Main.DamageFound(String.format(
                "%,d of %,d records damaged in %s (namespaces %s)%s",
                problems.size(),
                checked,
                main.shownUri(),
                damagedNamespaces,
                quarantine ? "; moved aside" : "; verify --quarantine moves them aside so the rest opens"));
    }

    /** What is wrong with {@code record}, or null if nothing is. */
    static String problemOf(String namespace, Record record) {
        if (!record.checksumValid(namespace)) {
            return "fails its CRC32C checksum (format " + record.checksumFormat() + ", rev " + record.rev() + ")";
        }
        if (record.rev() < 1) {
            return "has revision " + record.rev() + "; revisions start at 1";
        }
        if (record.schemaVersion() < 0) {
            return "has a negative schema version " + record.schemaVersion();
        }
        try {
            Names.requireValidKey(record.key());
        } catch (RuntimeException e) {
            return "is not a valid key: " + e.getMessage();
        }
        String value = jsonProblem(record.value(), false);
        if (value != null) {
            return "value " + value;
        }
        String metadata = record.hasMetadata() ? jsonProblem(record.metadata(), true) : null;
        return metadata == null ? null : "metadata " + metadata;
    }

    private static String jsonProblem(byte[] json, boolean objectOnly) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return "is empty";
            }
            if (objectOnly && first != JsonToken.START_OBJECT) {
                return "is not a JSON object";
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return "has text after its JSON value";
            }
            return null;
        } catch (JacksonException e) {
            return "is not valid JSON: " + e.getOriginalMessage();
        }
    }

    private void moveAside(String uri, Set<String> damagedNamespaces) {
        String quarantining = uri + (uri.contains("?") ? "&" : "?") + "onCorrupt=quarantine";
        try (Storage storage = Storage.open(quarantining)) {
            damagedNamespaces.forEach(storage::datastore);
            for (QuarantinedRecord moved : storage.quarantined()) {
                System.out.println(
                        "moved aside: " + moved.namespace() + ": key '" + moved.key() + "' to " + moved.movedTo());
            }
        }
    }
}
