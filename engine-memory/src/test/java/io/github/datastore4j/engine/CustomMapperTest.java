package io.github.datastore4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.api.StorageOptions;
import java.math.BigDecimal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

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
        }
    }
}
