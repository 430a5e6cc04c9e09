/** Runnable examples: each class has a {@code main} and takes an optional storage URI (default {@code memory:}). */
package io.github.datastore4j.examples;
