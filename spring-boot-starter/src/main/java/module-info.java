/**
 * Spring Boot auto-configuration of datastore4j. Spring's jars are automatic modules; the optional integrations
 * (health, Micrometer) are read only when present.
 */
module io.github.datastore4j.spring {
    requires transitive io.github.datastore4j.api;
    requires spring.boot;
    requires spring.boot.autoconfigure;
    requires spring.beans;
    requires spring.context;
    requires spring.core;
    requires org.slf4j;
    requires static spring.boot.health;
    requires static io.github.datastore4j.micrometer;
    requires static micrometer.core;

    exports io.github.datastore4j.spring;

    // configuration classes and properties are read and proxied by Spring, reflectively
    opens io.github.datastore4j.spring to
            spring.core,
            spring.beans,
            spring.context;
}
