/** The {@code json:} backend. Nothing is exported; {@code Storage.open("json:./data")} finds it as a service. */
package io.github.datastore4j.backend.json;
