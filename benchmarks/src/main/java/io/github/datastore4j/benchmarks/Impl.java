package io.github.datastore4j.benchmarks;

import java.nio.file.Path;

/** Engine or raw baseline: the second {@code @Param}, so each engine figure has its baseline from the same run. */
public enum Impl {
    engine,
    raw;

    Subject open(Backend backend, Path directory, String engineSettings) {
        return this == engine ? backend.engine(directory, engineSettings) : backend.raw(directory);
    }
}
