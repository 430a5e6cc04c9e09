/**
 * The backend SPI: implement {@link io.github.datastore4j.api.spi.BackendProvider} and
 * {@link io.github.datastore4j.api.spi.Backend}, register the provider as a service, and prove it with the testkit.
 * Backends store {@link io.github.datastore4j.api.spi.Record}s; everything else is the engine's. The engine, found as
 * an {@link io.github.datastore4j.api.spi.EngineProvider}, builds and reads documents without copies through
 * {@link io.github.datastore4j.api.spi.EngineDocuments}, and explains Jackson's module-path failures with
 * {@link io.github.datastore4j.api.spi.JacksonAccess}.
 */
package io.github.datastore4j.api.spi;
