package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Document;
import io.github.datastore4j.api.KeyQuery;
import io.github.datastore4j.api.Page;
import io.github.datastore4j.api.Schema;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import io.github.datastore4j.api.WrongTypeException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.StringNode;

/** StorageOptions.jsonMapper: the application's mapper maps its objects, everywhere an object is mapped. */
class CustomMapperTest {
    /** A type Jackson cannot map by itself: no getters, no creator. */
    static final class Money {
        private final BigDecimal amount;
        private final String currency;

        Money(BigDecimal amount, String currency) {
            this.amount = amount;
            this.currency = currency;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Money
                    && amount.equals(((Money) other).amount)
                    && currency.equals(((Money) other).currency);
        }

        @Override
        public int hashCode() {
            return amount.hashCode();
        }

        @Override
        public String toString() {
            return amount + " " + currency;
        }
    }

    private static JsonMapper moneyMapper() {
        SimpleModule money = new SimpleModule("money")
                .addSerializer(Money.class, new ValueSerializer<Money>() {
                    @Override
                    public void serialize(Money value, JsonGenerator gen, SerializationContext context) {
                        gen.writeString(value.toString());
                    }
                })
                .addDeserializer(Money.class, new ValueDeserializer<Money>() {
                    @Override
                    public Money deserialize(JsonParser parser, DeserializationContext context) {
                        String[] parts = parser.getString().split(" ");
                        return new Money(new BigDecimal(parts[0]), parts[1]);
                    }
                });
        return JsonMapper.builder().addModule(money).build();
    }

    @Test
    @DisplayName("without the application's mapper such a type is refused; with it, it is stored, read and updated")
    void mapperMapsEverywhere() {
        try (Storage plain = Storage.open("memory:")) {
            assertThatThrownBy(() -> plain.datastore("ns").set("price", new Money(new BigDecimal("12.50"), "EUR")))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining(Money.class.getName());
        }
        StorageOptions options =
                StorageOptions.builder().jsonMapper(moneyMapper()).build();
        try (Storage storage = Storage.open("memory:?durability=none", options)) {
            Datastore store = storage.datastore("ns");
            store.set("price", new Money(new BigDecimal("12.50"), "EUR"));
            assertThat(store.get("price").orElseThrow().asString()).isEqualTo("12.50 EUR");
            assertThat(store.get("price", Money.class)).contains(new Money(new BigDecimal("12.50"), "EUR"));
            store.update("price", Money.class, m -> new Money(m.amount.add(BigDecimal.ONE), m.currency));
            assertThat(store.get("price", Money.class)).contains(new Money(new BigDecimal("13.50"), "EUR"));
            store.push("history", new Money(BigDecimal.TEN, "USD"));
            assertThat(store.get("history").orElseThrow().get(0).asString()).isEqualTo("10 USD");
            assertThat(store.getDocument("history").orElseThrow().value(new TypeReference<List<Money>>() {}))
                    .containsExactly(new Money(BigDecimal.TEN, "USD"));
        }
    }

    @Test
    @DisplayName("a document the storage returns maps value(Class) with the storage's mapper, however it was read")
    void documentsMapWithTheStoragesMapper() {
        Money price = new Money(new BigDecimal("12.50"), "EUR");
        StorageOptions options =
                StorageOptions.builder().jsonMapper(moneyMapper()).build();
        try (Storage storage = Storage.open("memory:?durability=none", options)) {
            Datastore store = storage.datastore("ns");
            List<Document> changes = new CopyOnWriteArrayList<>();
            store.subscribe((key, document) -> changes.add(document));
            store.set("price", new Money(BigDecimal.ONE, "EUR"));
            Document updated = store.update("price", Money.class, m -> price);
            assertThat(updated.value(Money.class)).as("update's result").isEqualTo(price);
            assertThat(store.getDocument("price").orElseThrow().value(Money.class))
                    .as("getDocument")
                    .isEqualTo(price);
            assertThat(store.async().getDocument("price").join().orElseThrow().value(Money.class))
                    .as("async getDocument")
                    .isEqualTo(price);
            Page page =
                    store.queryKeys(KeyQuery.builder().includeDocuments(true).build());
            assertThat(page.documents().get(0).value(Money.class)).as("a page").isEqualTo(price);
            assertThat(store.snapshot().get("price").value(Money.class))
                    .as("snapshot")
                    .isEqualTo(price);
            assertThat(changes.get(changes.size() - 1).value(Money.class))
                    .as("a change event")
                    .isEqualTo(price);

            Document tagged = store.setMetadata("price", Map.of("source", "catalogue"));
            assertThat(tagged.value(Money.class)).as("after a metadata change").isEqualTo(price);
            store.save();
            store.load();
            assertThat(store.getDocument("price").orElseThrow().value(Money.class))
                    .as("after a reload from the backend")
                    .isEqualTo(price);
        }
    }

    @Test
    @DisplayName("a document migrated or seeded by a schema maps value(Class) with the storage's mapper")
    void schemaDocumentsMapWithTheStoragesMapper() {
        StorageOptions options =
                StorageOptions.builder().jsonMapper(moneyMapper()).build();
        try (SharedMemoryFixture store = new SharedMemoryFixture("mapper")) {
            try (Storage first = Storage.open(store.uri(""), options)) {
                first.datastore("prices").set("old", new Money(new BigDecimal("5"), "EUR"));
            }
            Schema schema = Schema.builder()
                    .migrate(0, v -> StringNode.valueOf("7 EUR"))
                    .seed(Map.of("start", "1 USD"))
                    .build();
            try (Storage second = Storage.open(store.uri(""), options)) {
                Document migrated =
                        second.datastore("prices", schema).getDocument("old").orElseThrow();
                assertThat(migrated.schemaVersion()).isEqualTo(1);
                assertThat(migrated.value(Money.class)).isEqualTo(new Money(new BigDecimal("7"), "EUR"));
                Document seeded =
                        second.datastore("fresh", schema).getDocument("start").orElseThrow();
                assertThat(seeded.value(Money.class)).isEqualTo(new Money(BigDecimal.ONE, "USD"));
            }
        }
    }

    @Test
    @DisplayName("a schema's template, metadata defaults and seed values map with the storage's mapper")
    void schemaValuesMapWithTheStoragesMapper() {
        Schema schema = Schema.builder()
                .template(Map.of("price", new Money(BigDecimal.ONE, "EUR")))
                .metadataTemplate(Map.of("list", new Money(BigDecimal.TEN, "USD")))
                .seed(Map.of("start", new Money(new BigDecimal("2"), "GBP")))
                .build();
        StorageOptions options =
                StorageOptions.builder().jsonMapper(moneyMapper()).build();
        try (Storage storage = Storage.open("memory:?durability=none", options)) {
            Datastore store = storage.datastore("shop", schema);
            assertThat(store.get("start", Money.class)).contains(new Money(new BigDecimal("2"), "GBP"));
            Document created = store.update("item", v -> v);
            assertThat(created.value().get("price").asString()).isEqualTo("1 EUR");
            assertThat(store.getMetadata("item").orElseThrow().get("list").asString())
                    .isEqualTo("10 USD");
        }
    }

    @Test
    @DisplayName("a schema value the storage's mapper cannot map is refused when the namespace opens, naming it")
    void anUnmappableSchemaValueIsRefusedAtOpen() {
        Schema template = Schema.builder()
                .template(Map.of("price", new Money(BigDecimal.ONE, "EUR")))
                .build();
        Schema seed = Schema.builder()
                .seed(Map.of("start", new Money(BigDecimal.ONE, "EUR")))
                .build();
        Schema metadata = Schema.builder().metadataTemplate(List.of(1, 2)).build();
        try (Storage storage = Storage.open("memory:?durability=none")) {
            assertThatThrownBy(() -> storage.datastore("a", template))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("template")
                    .hasMessageContaining("namespace 'a'")
                    .hasMessageContaining(Money.class.getName());
            assertThatThrownBy(() -> storage.datastore("b", seed))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("seed")
                    .hasMessageContaining("key 'start'");
            assertThatThrownBy(() -> storage.datastore("c", metadata))
                    .isInstanceOf(DatastoreException.class)
                    .hasMessageContaining("metadata template")
                    .hasMessageContaining("must be a JSON object");
            assertThat(storage.namespaces())
                    .as("nothing opened, nothing stored")
                    .isEmpty();
            assertThat(storage.datastore("a").size()).isZero();
        }
    }

    @Test
    @DisplayName("a document made with Document.of maps with Jackson's defaults, which do not know Money")
    void documentOfKeepsJacksonsDefaults() {
        Document made = Document.of("price", StringNode.valueOf("12.50 EUR"), 1, 0);
        assertThatThrownBy(() -> made.value(Money.class))
                .isInstanceOf(WrongTypeException.class)
                .hasMessageContaining(Money.class.getName());
    }
}
