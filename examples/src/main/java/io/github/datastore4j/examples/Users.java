package io.github.datastore4j.examples;

import io.github.datastore4j.api.ConflictException;
import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.views.View;
import io.github.datastore4j.views.ViewQuery;
import io.github.datastore4j.views.ViewRow;
import io.github.datastore4j.views.Views;

/**
 * The users service of the document-store seed: user documents with revisions, and a view of active users by email
 * that follows every change.
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.Users [storage-uri]} (default {@code memory:}).
 */
public final class Users {
    /** A user document. */
    public record User(String name, String email, boolean active) {}

    private Users() {}

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "memory:";
        try (Storage storage = Storage.open(uri);
                Views views = Views.over(storage.datastore("users"))) {
            Datastore users = storage.datastore("users");
            users.clear();
            users.set("u1", new User("Alice", "alice@example.com", true));
            users.set("u2", new User("Bob", "bob@example.com", false));
            users.set("u3", new User("Carol", "carol@example.com", true));

            View activeByEmail = views.define("activeByEmail", (doc, emit) -> {
                User user = doc.value(User.class);
                if (user.active()) {
                    emit.emit(user.email(), user.name());
                }
            });
            print("active users", activeByEmail);

            Document bob = users.getDocument("u2").orElseThrow();
            users.put("u2", new User("Bob", "bob@example.com", true), bob.rev());
            try {
                users.put("u2", new User("Bob", "bob@example.org", true), bob.rev()); // stale rev
            } catch (ConflictException e) {
                System.out.println("conflict as expected: " + e.getMessage());
            }
            users.update("u1", User.class, user -> new User(user.name(), user.email(), false));
            print("after Bob activated and Alice deactivated", activeByEmail);

            ViewRow carol = activeByEmail
                    .query(ViewQuery.builder()
                            .key("carol@example.com")
                            .includeDocuments(true)
                            .build())
                    .rows()
                    .get(0);
            System.out.println("lookup by email: " + carol.id().orElseThrow() + " -> "
                    + carol.document().orElseThrow().value());
            if (activeByEmail.query(ViewQuery.all()).rows().size() != 2) {
                throw new IllegalStateException("expected two active users");
            }
        }
    }

    private static void print(String title, View view) {
        System.out.println(title + ":");
        for (ViewRow row : view.query(ViewQuery.all()).rows()) {
            System.out.println("  " + row.key().asString() + " -> "
                    + row.value().asString() + " (" + row.id().orElseThrow() + ")");
        }
    }
}
