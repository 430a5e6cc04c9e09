package io.github.datastore4j.benchmarks;

import io.github.datastore4j.api.Datastore;
import io.github.datastore4j.api.Storage;
import io.github.datastore4j.views.Reducers;
import io.github.datastore4j.views.View;
import io.github.datastore4j.views.ViewQuery;
import io.github.datastore4j.views.ViewRow;
import io.github.datastore4j.views.Views;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
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
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.JsonNode;

/**
 * A map view over {@value PointOps#DOCUMENTS} documents, {@code city → level}, 100 rows per city: one query returns a
 * city's rows, one sums their levels. Views live in memory whatever the backend, so the suite runs them over {@code
 * memory:}. The raw baseline is a sorted map from {@code city \0 key} to level, kept by hand.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ViewQueries {
    static final int CITIES = 100;

    @Param
    public Impl impl;

    private Storage storage;
    private Views views;
    private View byCity;
    private final ConcurrentSkipListMap<String, Integer> index = new ConcurrentSkipListMap<>();

    @Setup(Level.Trial)
    public void define() {
        if (impl == Impl.engine) {
            storage = Storage.open("memory:");
            Datastore store = storage.datastore("players");
            for (int n = 0; n < PointOps.DOCUMENTS; n++) {
                store.set(Documents.key(n), Documents.document(n));
            }
            views = Views.over(store);
            byCity = views.define(
                    "byCity",
                    (doc, emitter) -> {
                        JsonNode player = doc.value(); // a user's map function; it runs at setup, not measured
                        emitter.emit(
                                player.get("city").asString(),
                                player.get("level").asInt());
                    },
                    Reducers.sum());
        } else {
            for (int n = 0; n < PointOps.DOCUMENTS; n++) {
                var doc = Documents.document(n);
                index.put(
                        doc.get("city").asString() + '\0' + Documents.key(n),
                        doc.get("level").asInt());
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (storage != null) {
            views.close();
            storage.close();
        }
    }

    @State(Scope.Thread)
    public static class Cities {
        private final SplittableRandom random = new SplittableRandom(7);

        String next() {
            return "city-" + random.nextInt(CITIES);
        }
    }

    /** A city's rows (key, value and document id), in document-key order. */
    @Benchmark
    public List<?> rowsOfKey(Cities cities) {
        String city = cities.next();
        if (impl == Impl.engine) {
            return byCity.query(ViewQuery.builder().key(city).reduce(false).build())
                    .rows();
        }
        List<Map.Entry<String, Integer>> rows = new ArrayList<>();
        index.subMap(city + '\0', city + '\1').entrySet().forEach(rows::add);
        return rows;
    }

    /** The sum of a city's levels. */
    @Benchmark
    public long reduceOfKey(Cities cities) {
        String city = cities.next();
        if (impl == Impl.engine) {
            List<ViewRow> rows =
                    byCity.query(ViewQuery.builder().key(city).build()).rows();
            return rows.get(0).value().asLong();
        }
        long sum = 0;
        for (int level : index.subMap(city + '\0', city + '\1').values()) {
            sum += level;
        }
        return sum;
    }
}
