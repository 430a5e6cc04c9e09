package io.github.datastore4j.views;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.testkit.ThreadRace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ViewConcurrencyTest {
    @Test
    @DisplayName("writers and queriers at once: no exception, and never a document's old and new rows together")
    void consistentUnderWrites() throws Exception {
        try (Storage storage = Storage.open("memory:?durability=sync")) {
            Datastore docs = storage.datastore("docs");
            Views views = Views.over(docs);
            // every document emits three rows carrying its version; a torn read would mix versions
            View view = views.define(
                    "versions",
                    (doc, emit) -> {
                        for (int i = 0; i < 3; i++) {
                            emit.emit(
                                    List.of(doc.value().get("group").asInt(), i),
                                    doc.value().get("version"));
                        }
                    },
                    Reducers.count());
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger checked = new AtomicInteger();
            ThreadRace.run(4, thread -> {
                if (thread < 2) {
                    for (int v = 0; v < 3_000; v++) {
                        String key = "d" + ((v * 13 + thread) % 50);
                        if (v % 7 == 0) {
                            docs.delete(key);
                        } else {
                            docs.set(key, Map.of("group", v % 5, "version", v));
                        }
                    }
                    writing.set(false);
                    return;
                }
                while (writing.get() || checked.get() < 100) {
                    Map<String, Integer> versionOf = new HashMap<>();
                    Map<String, Integer> rowsOf = new HashMap<>();
                    for (ViewRow row : view.query(
                                    ViewQuery.builder().reduce(false).build())
                            .rows()) {
                        String id = row.id().orElseThrow();
                        Integer seen = versionOf.putIfAbsent(id, row.value().asInt());
                        assertThat(seen == null || seen == row.value().asInt())
                                .as("rows of %s mixed versions", id)
                                .isTrue();
                        rowsOf.merge(id, 1, Integer::sum);
                    }
                    rowsOf.values().forEach(n -> assertThat(n).isEqualTo(3));
                    int total =
                            view.query(ViewQuery.all()).rows().get(0).value().asInt();
                    assertThat(total % 3).isZero();
                    checked.incrementAndGet();
                }
            });
            assertThat(view.query(ViewQuery.all()).rows().get(0).value().asInt())
                    .isEqualTo(docs.size() * 3);
        }
    }

    @Test
    @DisplayName("paging with a cursor while others write neither skips nor repeats a row that exists throughout")
    void cursorStableUnderWrites() throws Exception {
        try (Storage storage = Storage.open("memory:")) {
            Datastore docs = storage.datastore("docs");
            for (int i = 0; i < 500; i++) {
                docs.set(String.format("stable-%03d", i), Map.of("n", i % 40));
            }
            View byN = Views.over(docs)
                    .define("byN", (doc, emit) -> emit.emit(doc.value().get("n")));
            AtomicBoolean writing = new AtomicBoolean(true);
            List<String> seen = new ArrayList<>();
            ThreadRace.run(2, thread -> {
                if (thread == 0) {
                    for (int i = 0; i < 5_000; i++) {
                        String key = "churn-" + (i % 300);
                        if (i % 3 == 0) {
                            docs.delete(key);
                        } else {
                            docs.set(key, Map.of("n", i % 40));
                        }
                    }
                    writing.set(false);
                    return;
                }
                for (boolean descending : new boolean[] {false, true}) {
                    ViewQuery query =
                            ViewQuery.builder().descending(descending).limit(7).build();
                    ViewResult page = byN.query(query);
                    while (true) {
                        page.rows().stream()
                                .map(row -> row.id().orElseThrow())
                                .filter(id -> id.startsWith("stable"))
                                .forEach(seen::add);
                        if (page.nextCursor().isEmpty()) {
                            break;
                        }
                        page = byN.query(query.withCursor(page.nextCursor().get()));
                    }
                }
            });
            assertThat(seen).hasSize(1_000);
            assertThat(new HashSet<>(seen)).hasSize(500);
        }
    }
}
