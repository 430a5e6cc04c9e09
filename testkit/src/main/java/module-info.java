/**
 * The datastore4j compatibility kit: abstract JUnit 5 test classes a backend's tests extend to prove the SPI
 * contract ({@link io.github.datastore4j.testkit.BackendCompatibilityKit}) and the whole datastore API over it
 * ({@link io.github.datastore4j.testkit.DatastoreCompatibilityKit}).
 */
module io.github.datastore4j.testkit {
    requires transitive io.github.datastore4j.api;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires transitive org.assertj.core;

    exports io.github.datastore4j.testkit;

    opens io.github.datastore4j.testkit to
            org.junit.platform.commons,
            tools.jackson.databind;
}
