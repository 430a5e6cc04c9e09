package io.github.datastore4j.cli;

import io.github.datastore4j.api.Schema;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/** An application's schema as {@code migrate --schema} loads it: version 0 → 1 adds {@code coins}. */
public class CoinsSchema implements Supplier<Schema> {
    @Override
    public Schema get() {
        return Schema.builder()
                .migrate(0, v -> ((ObjectNode) v).put("coins", 0))
                .build();
    }
}
