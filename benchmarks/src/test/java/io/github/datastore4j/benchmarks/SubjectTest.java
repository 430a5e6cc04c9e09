package io.github.datastore4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.IntNode;

/**
 * The facade's promise: the engine and every raw baseline do the same work and give the same answers, so that the
 * suite compares like with like. Each subject runs one script of operations and must answer exactly as specified.
 */
class SubjectTest {
    @TempDir
    Path directory;

    /** JSON text: a store may read {@code 217} back as an int where a long went in, which is the same JSON. */
    private static String text(JsonNode node) {
        return node == null ? null : node.toString();
    }

    static Stream<Arguments> subjects() {
        return Stream.of(Backend.values())
                .flatMap(backend -> Stream.of(Impl.values()).map(impl -> Arguments.of(backend, impl)));
    }

    @ParameterizedTest(name = "{1} over {0}")
    @MethodSource("subjects")
    void everySubjectAnswersTheSame(Backend backend, Impl impl) throws Exception {
        try (Subject subject = impl.open(backend, directory, "")) {
            assertThat(subject.get(Documents.key(1))).isNull();

            subject.setAll(Documents.batch(0, 2_000));
            assertThat(text(subject.get(Documents.key(7)))).isEqualTo(text(Documents.document(7)));

            JsonNode copy = subject.get(Documents.key(7));
            ((tools.jackson.databind.node.ObjectNode) copy).put("name", "changed by the caller");
            assertThat(text(subject.get(Documents.key(7))))
                    .as("get hands out a copy")
                    .isEqualTo(text(Documents.document(7)));

            subject.update(Documents.key(7), Documents::addVisit);
            subject.update(Documents.key(7), Documents::addVisit);
            assertThat(subject.get(Documents.key(7)).get("visits").asInt()).isEqualTo(2);

            subject.set(Documents.key(8), Documents.document(80));
            assertThat(text(subject.get(Documents.key(8)))).isEqualTo(text(Documents.document(80)));

            assertThat(subject.increment("counter", 1)).isEqualTo(1);
            assertThat(subject.increment("counter", 41)).isEqualTo(42);

            assertThat(subject.push("list", IntNode.valueOf(1))).isEqualTo(1);
            assertThat(subject.push("list", IntNode.valueOf(2))).isEqualTo(2);
            assertThat(subject.get("list")).hasSize(2);
            assertThat(subject.delete("list")).isTrue();
            assertThat(subject.delete("list")).isFalse();
            assertThat(subject.get("list")).isNull();

            List<String> keys = subject.keys(Documents.key(500), PointOps.QUERY_SIZE);
            assertThat(keys)
                    .hasSize(PointOps.QUERY_SIZE)
                    .isSorted()
                    .startsWith(Documents.key(500))
                    .endsWith(Documents.key(1_499));

            assertThat(subject.loadAll()).isEqualTo(2_001); // 2,000 documents and the counter
        }
    }

    @ParameterizedTest(name = "{1} over {0}")
    @MethodSource("subjects")
    void incrementsFromTwoThreadsAreAtomic(Backend backend, Impl impl) throws Exception {
        int each = backend == Backend.memory ? 20_000 : 200;
        try (Subject subject = impl.open(backend, directory, "")) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread thread =
                        new Thread(() -> IntStream.range(0, each).forEach(i -> subject.increment("counter", 1)));
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(subject.get("counter").asLong()).isEqualTo(2L * each);
        }
    }

    static Stream<Arguments> persistentSubjects() {
        return subjects().filter(arguments -> arguments.get()[0] != Backend.memory);
    }

    @ParameterizedTest(name = "{1} over {0}")
    @MethodSource("persistentSubjects")
    void writesSurviveReopening(Backend backend, Impl impl) {
        try (Subject subject = impl.open(backend, directory, "")) {
            subject.setAll(Documents.batch(0, 100));
            subject.set("one", Documents.document(1));
        }
        try (Subject reopened = impl.open(backend, directory, "")) {
            assertThat(reopened.loadAll()).isEqualTo(101);
            assertThat(text(reopened.get("one"))).isEqualTo(text(Documents.document(1)));
        }
    }
}
