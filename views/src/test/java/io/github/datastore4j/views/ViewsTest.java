package io.github.datastore4j.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

class ViewsTest {
    private static final JsonMapper MAPPER = JsonMapper.shared();
    private final Storage storage = Storage.open("memory:");
    private final Datastore posts = storage.datastore("posts");

    @AfterEach
    void close() {
        storage.close();
    }

    private static List<String> keys(ViewResult result) {
        List<String> keys = new ArrayList<>();
        result.rows().forEach(row -> keys.add(row.key().toString()));
        return keys;
    }

    @Test
    @DisplayName("keys order as null < false < true < numbers < strings < arrays < objects")
    void collation() {
        List<Object> shuffled = new ArrayList<>(List.of(
                Map.of("a", 1),
                List.of("b"),
                "b",
                10,
                true,
                List.of("a", "z"),
                "a",
                -1.5,
                false,
                List.of("a"),
                2,
                Map.of()));
        shuffled.add(null);
        for (int i = 0; i < shuffled.size(); i++) {
            posts.set("d" + i, Map.of("k", shuffled.get(i) == null ? "NULL" : shuffled.get(i)));
        }
        View view = Views.over(posts)
                .define(
                        "byK",
                        (doc, emit) -> emit.emit(
                                doc.value().get("k").asString("").equals("NULL")
                                        ? null
                                        : doc.value().get("k")));
        assertThat(keys(view.query(ViewQuery.all())))
                .containsExactly(
                        "null",
                        "false",
                        "true",
                        "-1.5",
                        "2",
                        "10",
                        "\"a\"",
                        "\"b\"",
                        "[\"a\"]",
                        "[\"a\",\"z\"]",
                        "[\"b\"]",
                        "{}",
                        "{\"a\":1}");
    }

    @Test
    @DisplayName("numbers compare by value, so 5 and 5.0 are one key")
    void numbersByValue() {
        assertThat(JsonCollation.compare(MAPPER.valueToTree(5), MAPPER.valueToTree(5.0)))
                .isZero();
        assertThat(JsonCollation.compare(MAPPER.valueToTree(List.of(1, "a")), MAPPER.valueToTree(List.of(1))))
                .isPositive();
    }

    @Test
    @DisplayName("a changed document is re-mapped: its old rows go, its new rows come")
    void incremental() {
        Views views = Views.over(posts);
        View byTag =
                views.define("byTag", (doc, emit) -> doc.value().path("tags").forEach(emit::emit));
        posts.set("p1", Map.of("tags", List.of("java", "db")));
        assertThat(keys(byTag.query(ViewQuery.all()))).containsExactly("\"db\"", "\"java\"");
        posts.set("p1", Map.of("tags", List.of("kotlin")));
        assertThat(keys(byTag.query(ViewQuery.all()))).containsExactly("\"kotlin\"");
        posts.delete("p1");
        assertThat(byTag.query(ViewQuery.all()).rows()).isEmpty();
    }

    @Test
    @DisplayName("count, sum and stats reduce, per group and group level")
    void reducers() {
        posts.set("a", Map.of("month", "2024-01", "author", "ann", "words", 100));
        posts.set("b", Map.of("month", "2024-01", "author", "bob", "words", 50));
        posts.set("c", Map.of("month", "2024-02", "author", "ann", "words", 10));
        Views views = Views.over(posts);
        MapFunction byMonthAuthor = (doc, emit) -> emit.emit(
                List.of(
                        doc.value().get("month").asString(),
                        doc.value().get("author").asString()),
                doc.value().get("words"));
        View count = views.define("count", byMonthAuthor, Reducers.count());
        View sum = views.define("sum", byMonthAuthor, Reducers.sum());
        View stats = views.define("stats", byMonthAuthor, Reducers.stats());
        assertThat(count.query(ViewQuery.all()).rows().get(0).value().asInt()).isEqualTo(3);
        ViewResult perMonth = count.query(ViewQuery.builder().groupLevel(1).build());
        assertThat(keys(perMonth)).containsExactly("[\"2024-01\"]", "[\"2024-02\"]");
        assertThat(perMonth.rows().get(0).value().asInt()).isEqualTo(2);
        assertThat(sum.query(ViewQuery.builder().group(true).build()).rows()).hasSize(3);
        assertThat(sum.query(ViewQuery.builder()
                                .startKey(List.of("2024-01"))
                                .endKey(List.of("2024-01", Map.of()))
                                .build())
                        .rows()
                        .get(0)
                        .value()
                        .asInt())
                .isEqualTo(150);
        JsonNode all = stats.query(ViewQuery.all()).rows().get(0).value();
        assertThat(all.get("sum").asInt()).isEqualTo(160);
        assertThat(all.get("min").asInt()).isEqualTo(10);
        assertThat(all.get("max").asInt()).isEqualTo(100);
        assertThat(all.get("sumsqr").asInt()).isEqualTo(12_600);
        posts.delete("a");
        assertThat(sum.query(ViewQuery.all()).rows().get(0).value().asInt()).isEqualTo(60);
        assertThat(count.query(ViewQuery.builder().reduce(false).build()).rows())
                .hasSize(2);
    }

    @Test
    @DisplayName("a map function that throws is reported with the key and breaks neither the view nor the write")
    void mapErrors() {
        List<String> failures = new CopyOnWriteArrayList<>();
        Views views =
                Views.over(posts, (view, key, error) -> failures.add(view + "/" + key + ": " + error.getMessage()));
        View byTitle = views.define(
                "byTitle",
                (doc, emit) -> emit.emit(doc.value().get("title").asString().toUpperCase()));
        posts.set("good", Map.of("title", "hello"));
        assertThat(posts.set("bad", Map.of("no", "title")).rev()).isEqualTo(1);
        assertThat(failures).singleElement().asString().startsWith("byTitle/bad");
        assertThat(keys(byTitle.query(ViewQuery.all()))).containsExactly("\"HELLO\"");
    }

    @Test
    @DisplayName("defining a name again replaces the view; drop removes it")
    void redefineAndDrop() {
        posts.set("p", Map.of("n", 1));
        Views views = Views.over(posts);
        views.define("v", (doc, emit) -> emit.emit("old"));
        View replaced = views.define("v", (doc, emit) -> emit.emit("new"));
        assertThat(views.view("v")).containsSame(replaced);
        assertThat(keys(replaced.query(ViewQuery.all()))).containsExactly("\"new\"");
        assertThat(views.drop("v")).isTrue();
        assertThat(views.view("v")).isEmpty();
        assertThat(views.drop("v")).isFalse();
    }

    @Test
    @DisplayName("includeDocuments returns the version that emitted the row; keys keep their order")
    void documentsAndKeys() {
        posts.set("p1", Map.of("tag", "b"));
        posts.set("p2", Map.of("tag", "a"));
        View byTag = Views.over(posts)
                .define("byTag", (doc, emit) -> emit.emit(doc.value().get("tag")));
        ViewResult result = byTag.query(ViewQuery.builder()
                .keys(List.of("b", "a", "zzz"))
                .includeDocuments(true)
                .build());
        assertThat(result.rows()).extracting(row -> row.id().orElseThrow()).containsExactly("p1", "p2");
        assertThat(result.rows().get(0).document().orElseThrow().rev()).isEqualTo(1);
    }

    @Test
    @DisplayName("bad queries are refused with a reason")
    void badQueries() {
        View plain = Views.over(posts).define("plain", (doc, emit) -> emit.emit(1));
        assertThatThrownBy(() -> plain.query(ViewQuery.builder().reduce(true).build()))
                .hasMessageContaining("no reducer");
        assertThatThrownBy(
                        () -> plain.query(ViewQuery.builder().cursor("garbage!").build()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> ViewQuery.builder().keys(List.of(1)).startKey(1).build())
                .isInstanceOf(IllegalArgumentException.class);
        View counted = Views.over(posts).define("counted", (doc, emit) -> emit.emit(1), Reducers.count());
        assertThatThrownBy(() ->
                        counted.query(ViewQuery.builder().includeDocuments(true).build()))
                .hasMessageContaining("reduced");
    }

    /** Stored as the string "x,y", which only {@link #pointMapper()} reads back. */
    record Point(int x, int y) {}

    private static JsonMapper pointMapper() {
        return JsonMapper.builder()
                .addModule(new SimpleModule("points")
                        .addSerializer(Point.class, new ValueSerializer<Point>() {
                            @Override
                            public void serialize(Point point, JsonGenerator gen, SerializationContext context) {
                                gen.writeString(point.x() + "," + point.y());
                            }
                        })
                        .addDeserializer(Point.class, new ValueDeserializer<Point>() {
                            @Override
                            public Point deserialize(JsonParser parser, DeserializationContext context) {
                                String[] xy = parser.getString().split(",");
                                return new Point(Integer.parseInt(xy[0]), Integer.parseInt(xy[1]));
                            }
                        }))
                .build();
    }

    @Test
    @DisplayName("the documents a map function gets and a row carries map value(Class) with the storage's mapper")
    void documentsMapWithTheStoragesMapper() {
        StorageOptions options =
                StorageOptions.builder().jsonMapper(pointMapper()).build();
        try (Storage mapped = Storage.open("memory:", options)) {
            Datastore places = mapped.datastore("places");
            places.set("home", new Point(3, 4));
            View byX = Views.over(places)
                    .define(
                            "byX",
                            (doc, emit) -> emit.emit(doc.value(Point.class).x()));
            places.set("work", new Point(7, 1)); // mapped from the change stream, not the initial pass
            ViewResult result =
                    byX.query(ViewQuery.builder().includeDocuments(true).build());
            assertThat(result.rows()).extracting(row -> row.key().asInt()).containsExactly(3, 7);
            assertThat(result.rows())
                    .extracting(row -> row.document().orElseThrow().value(Point.class))
                    .containsExactly(new Point(3, 4), new Point(7, 1));
        }
    }
}
