package io.github.datastore4j.examples;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.views.Reducers;
import io.github.datastore4j.views.View;
import io.github.datastore4j.views.ViewQuery;
import io.github.datastore4j.views.ViewResult;
import io.github.datastore4j.views.ViewRow;
import io.github.datastore4j.views.Views;
import java.util.List;
import java.util.Map;

/**
 * The blog service of the document-store seed: posts, with views of posts by tag, posts by author, and posts per month
 * ({@code count} reduce over a {@code [month, author]} key, grouped by month with {@code groupLevel(1)}).
 *
 * <p>Run: {@code java … io.github.datastore4j.examples.Blog [storage-uri]} (default {@code memory:}).
 */
public final class Blog {
    /** A blog post. */
    public record Post(String title, String author, String month, List<String> tags) {}

    private Blog() {}

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "memory:";
        try (Storage storage = Storage.open(uri);
                Views views = Views.over(storage.datastore("posts"))) {
            Datastore posts = storage.datastore("posts");
            posts.clear();
            posts.set("p1", new Post("Hello datastore4j", "ann", "2024-01", List.of("java", "intro")));
            posts.set("p2", new Post("Group commit", "bob", "2024-01", List.of("java", "storage")));
            posts.set("p3", new Post("Views", "ann", "2024-02", List.of("couchdb", "storage")));

            View byTag = views.define("byTag", (doc, emit) -> doc.value(Post.class)
                    .tags()
                    .forEach(tag -> emit.emit(tag, doc.value(Post.class).title())));
            View byAuthor = views.define(
                    "byAuthor", (doc, emit) -> emit.emit(doc.value(Post.class).author()));
            View perMonth = views.define(
                    "perMonth",
                    (doc, emit) -> {
                        Post post = doc.value(Post.class);
                        emit.emit(List.of(post.month(), post.author()), 1);
                    },
                    Reducers.count());

            System.out.println("posts tagged storage: "
                    + titles(byTag.query(ViewQuery.builder().key("storage").build())));
            System.out.println("posts by ann: "
                    + ids(byAuthor.query(ViewQuery.builder().key("ann").build())));
            posts.set("p4", new Post("Migrations", "cy", "2024-02", List.of("storage")));
            posts.delete("p1");
            System.out.println("after adding p4 and deleting p1:");
            System.out.println("  posts tagged storage: "
                    + titles(byTag.query(ViewQuery.builder().key("storage").build())));
            for (ViewRow month :
                    perMonth.query(ViewQuery.builder().groupLevel(1).build()).rows()) {
                System.out.println("  " + month.key().get(0).asString() + ": " + month.value() + " posts");
            }
            ViewRow february = perMonth.query(ViewQuery.builder()
                            .startKey(List.of("2024-02"))
                            .endKey(List.of("2024-02", Map.of()))
                            .build())
                    .rows()
                    .get(0);
            if (february.value().asInt() != 2) {
                throw new IllegalStateException("expected 2 posts in 2024-02, got " + february.value());
            }
        }
    }

    private static List<String> titles(ViewResult result) {
        return result.rows().stream().map(row -> row.value().asString()).toList();
    }

    private static List<String> ids(ViewResult result) {
        return result.rows().stream().map(row -> row.id().orElseThrow()).toList();
    }
}
