/** Runnable datastore4j examples, one per use case. Needs only the api at compile time. */
module io.github.datastore4j.examples {
    requires io.github.datastore4j.api;
    requires io.github.datastore4j.views;

    // Jackson maps the examples' records
    opens io.github.datastore4j.examples to
            tools.jackson.databind;

    exports io.github.datastore4j.examples;
}
