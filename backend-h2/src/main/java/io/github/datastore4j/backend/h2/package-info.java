/** The {@code h2:} backend. Nothing is exported; {@code Storage.open("h2:./db/app")} finds it as a service. */
package io.github.datastore4j.backend.h2;
