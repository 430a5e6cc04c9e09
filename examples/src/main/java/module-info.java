/** Runnable datastore4j examples, one per use case. Needs only the api at compile time. */
module io.github.datastore4j.examples {
    requires io.github.datastore4j.api;
    requires io.github.datastore4j.views;
    requires io.github.datastore4j.guice;

    // Jackson maps the examples' records; Guice injects GuiceApp's services
    opens io.github.datastore4j.examples to
            tools.jackson.databind,
            com.google.guice;

    exports io.github.datastore4j.examples;
}
