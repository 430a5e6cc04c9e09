/**
 * The datastore4j engine and the {@code memory:} backend. Nothing here is exported: applications reach it through
 * {@link io.github.datastore4j.api.Storage#open(String)}, which finds it as a service.
 */
package io.github.datastore4j.engine;
