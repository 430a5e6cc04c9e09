package io.github.datastore4j.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Opening a store of {@code documents} ten-field documents and loading every one into memory (checksums verified), as
 * the engine does on first use of a namespace; the raw baselines read and parse every record. Single shot, so each
 * measurement is one cold open in a warm JVM over a warm OS file cache. The datasets are built once (see {@link
 * Fixtures}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
public class StartupLoad {
    @Param({"json", "h2", "mapdb"})
    public Backend backend;

    @Param
    public Impl impl;

    @Param({"100000", "1000000"})
    public int documents;

    private Path dataset;

    @Setup(Level.Trial)
    public void build() {
        dataset = Fixtures.dataset(impl, backend, documents);
    }

    @Benchmark
    public int openAndLoad() {
        try (Subject subject = impl.open(backend, dataset, "")) {
            int loaded = subject.loadAll();
            if (loaded != documents) {
                throw new IllegalStateException("loaded " + loaded + " of " + documents + " from " + dataset);
            }
            return loaded;
        }
    }
}
