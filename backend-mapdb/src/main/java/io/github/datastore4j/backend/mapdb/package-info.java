/** The {@code mapdb:} backend. Nothing is exported; {@code Storage.open("mapdb:./db/app.mapdb")} finds it as a service. */
package io.github.datastore4j.backend.mapdb;
