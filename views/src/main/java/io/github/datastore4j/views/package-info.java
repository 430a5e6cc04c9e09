/**
 * Map/reduce views: {@link io.github.datastore4j.views.Views#over(io.github.datastore4j.api.Datastore)}, then
 * {@code define} a view with a map function and an optional reducer, and {@code query} it with a
 * {@link io.github.datastore4j.views.ViewQuery}. Rows are ordered by {@link io.github.datastore4j.views.JsonCollation}.
 */
package io.github.datastore4j.views;
