/**
 * An application of {@code sqlite:} for child JVMs of the tests: in a package of its own, outside the backend's
 * module, so that it runs from the class path while the backend is on the module path.
 */
package sqliteapp;
