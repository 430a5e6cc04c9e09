package io.github.datastore4j.api.internal;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import java.security.CodeSource;

/**
 * Fails fast, naming the jar and the fix, when the class path holds a {@code jackson-annotations} older than Jackson
 * 3 needs. That is the common case of an application still on Jackson 2 below 2.21 (Spring Boot 3, Quarkus 3,
 * Micronaut 4): Maven's nearest-wins picks the application's older {@code jackson-annotations}, and Jackson 3 would
 * otherwise die later with {@code NoClassDefFoundError: com/fasterxml/jackson/annotation/JsonSerializeAs}.
 * Stateless; the check runs once per JVM.
 */
final class JacksonCheck {
    /** A class Jackson 3 needs that jackson-annotations has had since 2.21. */
    static final String NEEDED = "com.fasterxml.jackson.annotation.JsonSerializeAs";

    static final String OLDEST = "2.21";

    private static volatile boolean passed;

    private JacksonCheck() {}

    static void requireCompatibleAnnotations() {
        if (passed) {
            return;
        }
        ClassLoader loader = tools.jackson.databind.ObjectMapper.class.getClassLoader();
        try {
            Class.forName(NEEDED, false, loader);
            passed = true;
        } catch (ClassNotFoundException | LinkageError e) {
            throw new DatastoreException(
                    ErrorCode.NO_PROVIDER,
                    describeFound(loader) + " is older than what Jackson 3"
                            + " (used by datastore4j) needs: " + OLDEST + " or later (it lacks " + NEEDED + "). Maven's"
                            + " nearest-wins probably chose your application's older version. Fix: declare"
                            + " com.fasterxml.jackson.core:jackson-annotations:2.22 in your pom's <dependencies> (or"
                            + " <dependencyManagement>); Jackson 2.x works with it too",
                    e);
        }
    }

    private static String describeFound(ClassLoader loader) {
        try {
            Class<?> annotation = Class.forName("com.fasterxml.jackson.annotation.JsonProperty", false, loader);
            CodeSource source = annotation.getProtectionDomain().getCodeSource();
            String version = annotation.getPackage().getImplementationVersion();
            return "jackson-annotations " + (version == null ? "(version unknown)" : version)
                    + (source == null ? "" : " from " + source.getLocation());
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return "jackson-annotations (not found at all)";
        }
    }
}
