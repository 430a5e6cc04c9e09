/**
 * Compatibility kits for backends. A backend's test is a small subclass:
 *
 * <pre>{@code
 * class JsonBackendCompatibilityTest extends BackendCompatibilityKit {
 *     protected Backend openBackend(Path directory) {
 *         return new JsonBackendProvider().open(directory.toString(), StorageOptions.defaults());
 *     }
 * }
 * }</pre>
 */
package io.github.datastore4j.testkit;
