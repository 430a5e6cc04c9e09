/**
 * What the api module needs inside itself and exports to no one: provider discovery, the Jackson check at open, and
 * the bridge to {@link io.github.datastore4j.api.Document}'s internals for the engine SPI.
 */
package io.github.datastore4j.api.internal;
