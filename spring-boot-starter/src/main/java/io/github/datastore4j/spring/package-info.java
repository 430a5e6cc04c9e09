/**
 * Spring Boot auto-configuration of datastore4j: {@link io.github.datastore4j.spring.DatastoreAutoConfiguration}
 * and its {@link io.github.datastore4j.spring.DatastoreProperties}.
 */
package io.github.datastore4j.spring;
