package io.github.datastore4j.api.spi;

import static java.util.Objects.requireNonNull;

import tools.jackson.databind.json.JsonMapper;

/**
 * For engines: what to tell the user when Jackson fails on a type whose module does not open its package to Jackson.
 * On the module path Jackson may not reach into such a package unless it is exported and the members it uses are
 * public, and its own message ("access to public member failed", "cannot access class") does not say what to do.
 * {@link io.github.datastore4j.api.Document#value(Class)} adds the same hint, so every mapping of a storage's values
 * reads alike. Stateless and thread-safe.
 */
public final class JacksonAccess {
    private JacksonAccess() {}

    /**
     * For a type in a named module that does not open its package to {@code tools.jackson.databind}: a sentence,
     * starting with a space, naming the module and package and the {@code opens} line to add. Empty otherwise.
     */
    public static String hint(Class<?> type) {
        Module module = requireNonNull(type, "type").getModule();
        Module jackson = JsonMapper.class.getModule();
        String pkg = type.getPackageName();
        if (!module.isNamed() || module.isOpen(pkg, jackson)) {
            return "";
        }
        return " (module " + module.getName() + " does not open package " + pkg + " to Jackson: add `opens " + pkg
                + " to tools.jackson.databind;` to its module-info.java)";
    }
}
