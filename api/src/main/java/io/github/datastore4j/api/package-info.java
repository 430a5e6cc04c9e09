/**
 * The datastore4j API: open a {@link io.github.datastore4j.api.Storage} from a URI, take a
 * {@link io.github.datastore4j.api.Datastore} per namespace, and store JSON values with atomic operations,
 * revisions and waits. Every error is a {@link io.github.datastore4j.api.DatastoreException} with a stable
 * {@link io.github.datastore4j.api.ErrorCode}.
 */
package io.github.datastore4j.api;
