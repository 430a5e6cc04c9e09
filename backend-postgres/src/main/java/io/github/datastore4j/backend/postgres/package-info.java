/**
 * The {@code postgres:} backend. Nothing is exported; {@code Storage.open("postgres://ann@db.example/app")} finds it
 * as a service.
 */
package io.github.datastore4j.backend.postgres;
