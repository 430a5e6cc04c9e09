package io.github.datastore4j.views;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random documents and random writes; after each write, random queries of three views are compared with the answer
 * computed from scratch from {@code snapshot()} by a brute-force evaluator that shares no code with the view index.
 */
class ViewOracleTest {
    private static final JsonMapper MAPPER = JsonMapper.shared();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final List<String> TAGS = List.of("a", "b", "c", "d");
    private static final List<String> AUTHORS = List.of("ann", "bob", "cy");

    @TempDir
    Path temp;

    /** A view definition the oracle evaluates too. */
    private record Spec(String name, MapFunction map, Reducer reducer) {}

    private static final List<Spec> SPECS = List.of(
            new Spec(
                    "byTag",
                    (doc, emit) -> doc.value()
                            .path("tags")
                            .forEach(tag -> emit.emit(
                                    tag,
                                    doc.value().path("score").isNumber()
                                            ? doc.value().get("score")
                                            : JSON.numberNode(1))),
                    Reducers.sum()),
            new Spec(
                    "byMonthAuthor",
                    (doc, emit) -> emit.emit(
                            List.of(
                                    doc.value().path("month").asString(),
                                    doc.value().path("author").asString()),
                            doc.value().path("score").isNumber() ? doc.value().get("score") : JSON.numberNode(0)),
                    Reducers.stats()),
            new Spec(
                    "mixed",
                    (doc, emit) -> {
                        emit.emit(
                                doc.value().has("score") ? doc.value().get("score") : NullNode.getInstance(),
                                doc.value().path("author").asString());
                        emit.emit(doc.value().path("tags"));
                        if (doc.value().path("flag").asBoolean()) {
                            emit.emit(
                                    Map.of("author", doc.value().path("author").asString()), true);
                        }
                    },
                    values -> JSON.stringNode(values.toString())));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "json"})
    void randomOperationsAndQueriesMatchTheOracle(String backend) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String uri = backend.equals("memory") ? "memory:" : "json:" + temp.resolve("data");
        int queries = 0;
        try (Storage storage = Storage.open(uri)) {
            Datastore store = storage.datastore("oracle");
            for (int i = 0; i < 30; i++) {
                store.set("doc" + i, randomDocument(random));
            }
            Views views = Views.over(store, (view, key, error) -> {
                throw new AssertionError("map failed on " + key, error);
            });
            List<View> defined = new ArrayList<>();
            SPECS.forEach(spec -> defined.add(views.define(spec.name, spec.map, spec.reducer)));
            for (int op = 0; op < 1_000; op++) {
                String key = "doc" + random.nextInt(40);
                int kind = random.nextInt(10);
                if (kind < 2) {
                    store.delete(key);
                } else if (kind < 4) {
                    store.update(
                            key,
                            value -> value.isMissingNode()
                                    ? randomDocument(random)
                                    : ((ObjectNode) value).put("score", random.nextInt(11) - 5));
                } else {
                    store.set(key, randomDocument(random));
                }
                for (int v = 0; v < SPECS.size(); v++) {
                    ViewQuery query = randomQuery(random, SPECS.get(v).reducer != null);
                    String context =
                            "seed " + seed + ", op " + op + ", view " + SPECS.get(v).name + ", " + describe(query);
                    assertThat(render(defined.get(v).query(query)))
                            .as(context)
                            .isEqualTo(render(oracle(store, SPECS.get(v), query)));
                    queries++;
                }
                if (op % 50 == 0) {
                    for (int v = 0; v < SPECS.size(); v++) {
                        checkPaging(defined.get(v), SPECS.get(v), store, random, seed);
                    }
                }
            }
        }
        assertThat(queries).isGreaterThanOrEqualTo(3_000);
    }

    private static void checkPaging(View view, Spec spec, Datastore store, Random random, long seed) {
        ViewQuery base = ViewQuery.builder()
                .reduce(false)
                .descending(random.nextBoolean())
                .limit(1 + random.nextInt(4))
                .build();
        List<String> paged = new ArrayList<>();
        ViewResult page = view.query(base);
        paged.addAll(render(page));
        while (page.nextCursor().isPresent()) {
            page = view.query(base.withCursor(page.nextCursor().get()));
            paged.addAll(render(page));
        }
        ViewQuery whole =
                ViewQuery.builder().reduce(false).descending(base.descending()).build();
        assertThat(paged).as("paging, seed " + seed).isEqualTo(render(oracle(store, spec, whole)));
    }

    private static ObjectNode randomDocument(Random random) {
        ObjectNode doc = JSON.objectNode();
        ArrayNode tags = doc.putArray("tags");
        for (String tag : TAGS) {
            if (random.nextInt(3) == 0) {
                tags.add(tag);
            }
        }
        doc.put("author", AUTHORS.get(random.nextInt(AUTHORS.size())));
        doc.put("month", "2024-0" + (1 + random.nextInt(3)));
        switch (random.nextInt(4)) {
            case 0 -> doc.put("score", random.nextInt(11) - 5);
            case 1 -> doc.put("score", (random.nextInt(21) - 10) / 4.0);
            case 2 -> doc.putNull("score");
            default -> {}
        }
        doc.put("flag", random.nextBoolean());
        return doc;
    }

    private static final List<Object> KEY_POOL = List.of(
            "a",
            "b",
            "c",
            "d",
            "",
            0,
            -5,
            2.5,
            5,
            List.of("2024-01"),
            List.of("2024-02", "bob"),
            List.of("2024-03", "cy"),
            List.of(),
            List.of("a", "b"),
            Map.of(),
            Map.of("author", "bob"),
            true,
            false);

    private static Object randomKey(Random random) {
        int pick = random.nextInt(KEY_POOL.size() + 1);
        return pick == KEY_POOL.size() ? null : KEY_POOL.get(pick);
    }

    private static ViewQuery randomQuery(Random random, boolean hasReducer) {
        ViewQuery.Builder b = ViewQuery.builder();
        switch (random.nextInt(4)) {
            case 0 -> b.key(randomKey(random));
            case 1 -> {
                List<Object> keys = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    keys.add(randomKey(random));
                }
                b.keys(keys);
            }
            case 2 -> {
                if (random.nextBoolean()) {
                    b.startKey(randomKey(random));
                }
                if (random.nextBoolean()) {
                    b.endKey(randomKey(random));
                }
            }
            default -> {}
        }
        b.descending(random.nextInt(3) == 0).inclusiveEnd(random.nextInt(3) != 0);
        if (random.nextBoolean()) {
            b.limit(random.nextInt(8));
        }
        if (random.nextInt(3) == 0) {
            b.skip(random.nextInt(4));
        }
        boolean reduce = hasReducer && random.nextBoolean();
        b.reduce(reduce);
        if (reduce) {
            switch (random.nextInt(3)) {
                case 0 -> b.group(true);
                case 1 -> b.groupLevel(1 + random.nextInt(2));
                default -> {}
            }
        } else {
            b.includeDocuments(random.nextBoolean());
        }
        return b.build();
    }

    // ---------------------------------------------------------------- the oracle

    private record Row(JsonNode key, String id, int seq, JsonNode value, Document document) {}

    private static int compareRows(Row a, Row b) {
        int c = JsonCollation.compare(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = a.id.compareTo(b.id);
        return c != 0 ? c : Integer.compare(a.seq, b.seq);
    }

    private static List<String> oracle(Datastore store, Spec spec, ViewQuery query) {
        List<Row> all = new ArrayList<>();
        for (Map.Entry<String, Document> entry : store.snapshot().entrySet()) {
            List<JsonNode[]> emits = new ArrayList<>();
            spec.map.map(
                    entry.getValue(),
                    (k, v) -> emits.add(new JsonNode[] {
                        k == null ? NullNode.getInstance() : MAPPER.valueToTree(k),
                        v == null ? NullNode.getInstance() : MAPPER.valueToTree(v)
                    }));
            for (int i = 0; i < emits.size(); i++) {
                all.add(new Row(emits.get(i)[0], entry.getKey(), i, emits.get(i)[1], entry.getValue()));
            }
        }
        all.sort(ViewOracleTest::compareRows);
        Comparator<JsonNode> c = JsonCollation.ORDER;
        List<Row> selected = new ArrayList<>();
        boolean desc = query.descending;
        if (query.keys != null) {
            for (JsonNode key : query.keys) {
                List<Row> matching = new ArrayList<>();
                all.stream().filter(r -> c.compare(r.key, key) == 0).forEach(matching::add);
                if (desc) {
                    Collections.reverse(matching);
                }
                selected.addAll(matching);
            }
        } else {
            List<Row> ordered = new ArrayList<>(all);
            if (desc) {
                Collections.reverse(ordered);
            }
            for (Row r : ordered) {
                int s = query.startKey == null ? 0 : c.compare(r.key, query.startKey);
                int e = query.endKey == null ? 0 : c.compare(r.key, query.endKey);
                boolean afterStart = query.startKey == null || (desc ? s <= 0 : s >= 0);
                boolean beforeEnd = query.endKey == null
                        || (desc ? (query.inclusiveEnd ? e >= 0 : e > 0) : (query.inclusiveEnd ? e <= 0 : e < 0));
                if (afterStart && beforeEnd) {
                    selected.add(r);
                }
            }
        }
        boolean reduce = query.reduce == null ? spec.reducer != null : query.reduce;
        List<String> out = new ArrayList<>();
        if (!reduce) {
            selected.stream()
                    .skip(query.skip)
                    .limit(query.limit)
                    .forEach(r -> out.add(r.key + " " + r.value + " " + r.id
                            + (query.includeDocuments ? " " + r.document.value() + "@" + r.document.rev() : "")));
            return out;
        }
        List<String> groups = new ArrayList<>();
        if (query.groupLevel == 0) {
            List<JsonNode> values = new ArrayList<>();
            selected.forEach(r -> values.add(r.value));
            groups.add("null " + spec.reducer.reduce(values));
        } else {
            List<JsonNode> values = new ArrayList<>();
            JsonNode current = null;
            for (Row r : selected) {
                JsonNode group = r.key;
                if (query.groupLevel > 0 && r.key.isArray() && r.key.size() > query.groupLevel) {
                    ArrayNode prefix = JSON.arrayNode();
                    for (int i = 0; i < query.groupLevel; i++) {
                        prefix.add(r.key.get(i));
                    }
                    group = prefix;
                }
                if (current != null && c.compare(current, group) != 0) {
                    groups.add(current + " " + spec.reducer.reduce(values));
                    values = new ArrayList<>();
                }
                current = group;
                values.add(r.value);
            }
            if (current != null) {
                groups.add(current + " " + spec.reducer.reduce(values));
            }
        }
        groups.stream().skip(query.skip).limit(query.limit).forEach(out::add);
        return out;
    }

    private static List<String> render(ViewResult result) {
        List<String> out = new ArrayList<>();
        for (ViewRow row : result.rows()) {
            out.add(row.key() + " " + row.value() + row.id().map(id -> " " + id).orElse("")
                    + row.document().map(d -> " " + d.value() + "@" + d.rev()).orElse(""));
        }
        return out;
    }

    private static List<String> render(List<String> oracle) {
        return oracle;
    }

    private static String describe(ViewQuery q) {
        return "query{keys=" + q.keys + ", start=" + q.startKey + ", end=" + q.endKey + ", desc=" + q.descending
                + ", inclusiveEnd=" + q.inclusiveEnd + ", limit=" + q.limit + ", skip=" + q.skip + ", reduce="
                + q.reduce
                + ", groupLevel=" + q.groupLevel + ", docs=" + q.includeDocuments + "}";
    }
}
