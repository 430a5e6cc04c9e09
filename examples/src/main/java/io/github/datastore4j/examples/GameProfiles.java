package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.LockedException;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Session;
import io.github.datastore4j.api.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A game server's player profiles: a template for new players, migrations for profiles written by older servers,
 * metadata beside each profile, and a session lock per logged-in player whose edits are auto-saved while the player
 * plays. A second server cannot take a player who is online, and a server that hangs past its lease loses the player
 * safely: its late save is rejected, not applied.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.GameProfiles [folder]} (default {@code ./game-demo}, emptied
 * first). It checks what it shows and fails if anything differs.
 */
public final class GameProfiles {
    /** v0: {@code {name, gold}}; v1 renames gold to coins; v2 adds a level. */
    static final Schema PROFILES = Schema.builder()
            .template(Map.of("name", "new player", "coins", 100, "level", 1))
            .metadataTemplate(Map.of("server", "none", "logins", 0))
            .migrate(0, value -> {
                ObjectNode profile = (ObjectNode) value;
                profile.set("coins", profile.remove("gold"));
                return profile;
            })
            .migrate(1, value -> ((ObjectNode) value).put("level", 1))
            .build();

    private static final Duration LEASE = Duration.ofSeconds(30);

    private GameProfiles() {}

    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args.length > 0 ? args[0] : "game-demo").toAbsolutePath();
        DemoFolders.deleteRecursively(folder);
        String uri = "json:" + folder + "?autosave=100ms"; // sessions' edits are saved this often

        try (Storage storage = Storage.open(uri)) { // last year's server: no schema, version 0
            Datastore old = storage.datastore("profiles");
            old.set("ann", Map.of("name", "Ann", "gold", 250));
            old.set("bob", Map.of("name", "Bob", "gold", 40));
        }

        try (Storage storage = Storage.open(uri)) {
            Datastore profiles = storage.datastore("profiles", PROFILES);
            show("ann, migrated on open", profiles.getDocument("ann").orElseThrow());

            // login: stamp the metadata, then take the profile for the length of the game
            login(profiles, "ann", "eu-1");
            try (Session ann = profiles.acquire("ann", LEASE)) {
                try {
                    profiles.acquire("ann", LEASE); // a second server, or a second login
                    throw new IllegalStateException("ann was taken twice");
                } catch (LockedException e) {
                    System.out.println("second login refused: " + e.getMessage());
                }

                for (int round = 1; round <= 3; round++) { // the game edits the working copy; nothing waits on disk
                    int loot = 10 * round;
                    ann.edit(profile -> ((ObjectNode) profile)
                            .put("coins", profile.get("coins").asInt() + loot));
                }
                Document autosaved = profiles.awaitMatch(
                        "ann", profile -> profile.get("coins").asInt() == 310, Duration.ofSeconds(30));
                show("auto-saved while ann plays", autosaved);

                ann.renew(LEASE); // still playing
                ann.edit(profile -> ((ObjectNode) profile).put("level", 2));
                show("logout saves and frees", ann.release());
            }

            // a brand-new player starts from the template
            try (Session cleo = profiles.acquire("cleo", LEASE)) {
                cleo.edit(profile -> ((ObjectNode) profile).put("name", "Cleo"));
                show("cleo, created from the template", cleo.release());
            }

            // a server that hangs past its lease loses the player; its late save is rejected
            Session hung = profiles.acquire("bob", Duration.ofMillis(200)); // ...and then the server stalls
            try (Session rescue = profiles.acquire("bob", LEASE, Duration.ofSeconds(30))) { // waits out the lease
                rescue.edit(profile ->
                        ((ObjectNode) profile).put("coins", profile.get("coins").asInt() + 5));
                hung.edit(profile -> ((ObjectNode) profile).put("coins", 1_000_000)); // it wakes up, unaware
                try {
                    hung.save();
                    throw new IllegalStateException("a stale session's save was applied");
                } catch (LockedException e) {
                    System.out.println("hung server's late save: " + e.getMessage());
                }
                rescue.release();
            }
            hung.close();
        }

        try (Storage storage = Storage.open(uri)) {
            Datastore profiles = storage.datastore("profiles", PROFILES);
            System.out.println("after restart:");
            for (String player : new String[] {"ann", "bob", "cleo"}) {
                show("  " + player, profiles.getDocument(player).orElseThrow());
            }
            check(profiles, "ann", "{\"name\":\"Ann\",\"coins\":310,\"level\":2}");
            check(profiles, "bob", "{\"name\":\"Bob\",\"coins\":45,\"level\":1}");
            check(profiles, "cleo", "{\"name\":\"Cleo\",\"coins\":100,\"level\":1}");
            if (profiles.getMetadata("ann").orElseThrow().get("logins").asInt() != 1) {
                throw new IllegalStateException("ann's login was not counted");
            }
        }
    }

    private static void login(Datastore profiles, String player, String server) {
        profiles.updateMetadata(player, meta -> {
            meta.put("server", server);
            meta.put("logins", meta.get("logins").asInt() + 1);
            meta.put("lastLogin", Instant.now().toString());
            return meta;
        });
    }

    private static void check(Datastore profiles, String player, String expected) {
        JsonNode actual = profiles.get(player).orElseThrow();
        if (!actual.equals(JsonMapper.shared().readTree(expected))) { // fields in any order
            throw new IllegalStateException(player + " is " + actual + ", expected " + expected);
        }
    }

    private static void show(String what, Document doc) {
        System.out.println(what + ": rev " + doc.rev() + ", schema version " + doc.schemaVersion() + ", " + doc.value()
                + ", metadata " + doc.metadata());
    }
}
