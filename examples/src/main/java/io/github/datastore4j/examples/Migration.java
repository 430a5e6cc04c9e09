package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.Transfer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.node.ObjectNode;

/**
 * People migrating versioned data: player profiles written by old code are brought to schema version 2 in bulk, with
 * progress, then the namespace is copied from a json: store to an h2: store with revisions and versions kept.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.Migration [work-folder]} (default {@code ./migration-demo},
 * emptied first).
 */
public final class Migration {
    private static final int PLAYERS = 5_000;

    /** Version 0 had {@code name}; 1 added {@code coins}; 2 renamed {@code name} to {@code nick}. */
    static final Schema PROFILES = Schema.builder()
            .template(Map.of("nick", "new player", "coins", 100))
            .migrate(0, value -> ((ObjectNode) value).put("coins", 100))
            .migrate(1, value -> {
                ObjectNode profile = (ObjectNode) value;
                profile.set("nick", profile.remove("name"));
                return profile;
            })
            .build();

    private Migration() {}

    public static void main(String[] args) throws IOException {
        Path work = Path.of(args.length > 0 ? args[0] : "migration-demo").toAbsolutePath();
        DemoFolders.deleteRecursively(work);
        String json = "json:" + work.resolve("json");
        String h2 = "h2:" + work.resolve("h2").resolve("profiles");

        try (Storage storage = Storage.open(json)) {
            Datastore old = storage.datastore("profiles"); // the old code: no schema, version 0
            CompletableFuture<?>[] writes = new CompletableFuture<?>[PLAYERS];
            for (int i = 0; i < PLAYERS; i++) {
                writes[i] = old.async().set("player-" + i, Map.of("name", "Player " + i));
            }
            CompletableFuture.allOf(writes).join();
            System.out.println("old code wrote " + PLAYERS + " profiles at schema version "
                    + old.getDocument("player-7").orElseThrow().schemaVersion() + " to " + json);
        }

        try (Storage storage = Storage.open(json)) {
            Datastore profiles = storage.migrate(
                    "profiles",
                    PROFILES,
                    (committed, toMigrate, total) -> System.out.printf(
                            "migrating: %,d of %,d committed (%,d profiles)%n", committed, toMigrate, total));
            show("after the bulk migration", profiles.getDocument("player-7").orElseThrow());
        }
        try (Storage storage = Storage.open(json)) {
            storage.migrate(
                    "profiles",
                    PROFILES,
                    (committed, toMigrate, total) ->
                            System.out.printf("run again: %,d to migrate — nothing is migrated twice%n", toMigrate));
        }

        int copied = Transfer.copy(
                json, h2, "profiles", (done, toCopy) -> System.out.printf("copying to h2: %,d of %,d%n", done, toCopy));
        System.out.println("copied " + copied + " profiles; again: "
                + Transfer.copy(json, h2, "profiles", Transfer.Progress.none()) + " (exact copies are skipped)");

        try (Storage from = Storage.open(json);
                Storage to = Storage.open(h2)) {
            Datastore source = from.datastore("profiles", PROFILES);
            Datastore target = to.datastore("profiles", PROFILES);
            Document before = source.getDocument("player-7").orElseThrow();
            Document after = target.getDocument("player-7").orElseThrow();
            show("in h2", after);
            if (target.size() != PLAYERS
                    || after.rev() != before.rev()
                    || after.schemaVersion() != before.schemaVersion()
                    || !after.value().equals(before.value())) {
                throw new IllegalStateException("the copy differs: " + before + " vs " + after);
            }
            Document created = target.update("newcomer", profile -> profile);
            show("a new key starts from the template", created);
        }
    }

    private static void show(String when, Document doc) {
        System.out.println(when + ": " + doc.key() + " rev " + doc.rev() + ", schema version " + doc.schemaVersion()
                + ", " + doc.value());
    }
}
