package io.github.datastore4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The report shows what the JSON says: figures, ratios and targets computed from it, never typed in. */
class ReportTest {
    @TempDir
    Path directory;

    private final ArrayNode results = Documents.MAPPER.createArrayNode();

    private void result(String benchmark, Map<String, String> params, double score, String unit) {
        ObjectNode entry = results.addObject();
        entry.put("benchmark", "io.github.datastore4j.benchmarks." + benchmark);
        ObjectNode given = entry.putObject("params");
        params.forEach(given::put);
        ObjectNode metric = entry.putObject("primaryMetric");
        metric.put("score", score);
        metric.putArray("rawData").addArray().add(score * 0.9).add(score).add(score * 1.1); // spread ±10%
        metric.put("scoreUnit", unit);
    }

    private Path write() throws Exception {
        result("PointOps.get", Map.of("backend", "memory", "impl", "engine"), 3_000_000, "ops/s");
        result("PointOps.get", Map.of("backend", "memory", "impl", "raw"), 4_500_000, "ops/s");
        result("DurableWrites.sync1Writer", Map.of("backend", "h2"), 1_000, "ops/s");
        result("DurableWrites.sync64Writers", Map.of("backend", "h2"), 12_000, "ops/s");
        result("DurableWrites.rawBatch64", Map.of("backend", "h2"), 20_000, "ops/s");
        result("AwaitLatency.roundTrip", Map.of("impl", "engine"), 40, "us/op");
        result(
                "StartupLoad.openAndLoad",
                Map.of("backend", "json", "impl", "engine", "documents", "100000"),
                2_500,
                "ms/op");
        Path json = directory.resolve("short.json");
        Files.writeString(json, results.toString());
        ObjectNode machine = Documents.MAPPER.createObjectNode();
        machine.put("date", "2026-11-23T03:00:00Z");
        machine.put("cpu", "Test CPU");
        machine.put("cores", 2);
        machine.put("memory", "24 GB");
        machine.put("jvm", "OpenJDK 17");
        machine.putObject("jmh")
                .put("profile", "short")
                .put("forks", 1)
                .put("warmup", "1 × 1 s")
                .put("measurement", "2 × 1 s");
        Files.writeString(directory.resolve("short-machine.json"), machine.toString());
        return json;
    }

    @Test
    void tablesAndTargetsComeFromTheResults() throws Exception {
        Path json = write();
        Path readme = directory.resolve("README.md");
        Files.writeString(readme, "# x\n\n" + Report.START + "\nold table\n" + Report.END + "\n\n## After\n");

        Report.render(json, directory.resolve("short-machine.json"), directory, Optional.of(readme));

        String markdown = Files.readString(directory.resolve("short.md"));
        assertThat(markdown)
                .contains("Test CPU, 2 cores, 24 GB RAM")
                .contains("| `get` | 3.00 M ±10% | 4.50 M ±10% |")
                .contains("| h2 | 1000 ±10% | 12.0 k ±10% | 12.00× |")
                .contains("within 2× of raw `ConcurrentHashMap`: raw ÷ engine = 1.50 → **met**")
                .contains(
                        "h2: durable writes within 1.25× of the raw 64-per-commit baseline: raw 64 ÷ engine 64 = 1.67 → **missed**")
                .contains("h2: 64 `sync` writers at least 10× one writer: 64 ÷ 1 = 12.00 → **met**")
                .contains("json: 64 `sync` writers at least 10× one writer: not measured in this run")
                .contains("| 40.0 µs ±10% |")
                .contains("| json | 100,000 | 2500 ms ±10% |");
        String updated = Files.readString(readme);
        assertThat(updated)
                .doesNotContain("old table")
                .contains("benchmarks/results/short.svg")
                .endsWith("\n\n## After\n");
        assertThat(updated.indexOf(Report.START)).isLessThan(updated.indexOf("| `get` |"));

        byte[] svg = Files.readAllBytes(directory.resolve("short.svg"));
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg));
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
        List<String> labels = new ArrayList<>();
        var texts = document.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            labels.add(texts.item(i).getTextContent());
        }
        assertThat(labels).contains("memory", "memory raw", "3.00 M", "sync, 64 writers", "12.0 k");
        assertThat(new String(svg, StandardCharsets.UTF_8)).contains("<rect");
    }

    @Test
    void aReadmeWithoutMarkersIsAnError() throws Exception {
        Path json = write();
        Path readme = directory.resolve("README.md");
        Files.writeString(readme, "# no markers\n");
        assertThatThrownBy(() ->
                        Report.render(json, directory.resolve("short-machine.json"), directory, Optional.of(readme)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("benchmarks:start");
        assertThat(Files.readString(readme)).isEqualTo("# no markers\n");
    }
}
