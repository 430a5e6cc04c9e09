package io.github.datastore4j.cli;

import io.github.datastore4j.api.Storage;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code stats}: opens the store, loads every namespace, and prints as one JSON document the records of each
 * namespace, the durability, and {@code Storage.statistics()} — which then counts this process's loads: the JSON
 * bytes held in memory, quarantined records, and the operations of this run.
 */
@Command(name = "stats", description = "Loads every namespace and prints record counts and Storage.statistics().")
final class StatsCommand implements Callable<Integer> {
    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        try (Storage storage = Storage.open(main.requireUri())) {
            ObjectNode report = PRETTY.createObjectNode();
            report.put("uri", storage.uri());
            report.put("durability", storage.durability().name().toLowerCase(java.util.Locale.ROOT));
            ObjectNode records = report.putObject("namespaces");
            for (String namespace : new TreeSet<>(storage.namespaces())) {
                records.put(namespace, storage.datastore(namespace).size());
            }
            report.set("statistics", PRETTY.valueToTree(storage.statistics()));
            System.out.println(PRETTY.writeValueAsString(report));
        }
        return 0;
    }
}
