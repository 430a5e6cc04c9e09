/** Runnable datastore4j examples, one per use case. Needs only the api at compile time. */
module io.github.datastore4j.examples {
    requires io.github.datastore4j.api;

    exports io.github.datastore4j.examples;
}
