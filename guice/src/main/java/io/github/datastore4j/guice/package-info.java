/** Guice integration: install {@link io.github.datastore4j.guice.DatastoreModule} and inject Storage and Datastores. */
package io.github.datastore4j.guice;
