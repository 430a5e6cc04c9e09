package io.github.datastore4j.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The documents the workloads read and write: ten fields of mixed types, about 300 bytes of JSON. */
final class Documents {
    static final JsonMapper MAPPER = JsonMapper.shared();

    private Documents() {}

    /** The {@code n}th document: the same {@code n} always gives the same document. */
    static ObjectNode document(int n) {
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("id", n);
        doc.put("name", "player-" + n);
        doc.put("email", "player" + n + "@example.org");
        doc.put("level", n % 100);
        doc.put("score", n * 31L);
        doc.put("ratio", (n % 1000) / 7.0);
        doc.put("active", n % 2 == 0);
        doc.put("city", "city-" + (n % 100));
        doc.put("visits", 0);
        doc.putArray("tags").add("t" + (n % 7)).add("t" + (n % 11));
        return doc;
    }

    /** Key {@code n} of a pre-loaded namespace; fixed width so that key order is numeric order. */
    static String key(int n) {
        String digits = Integer.toString(n); // not String.format: the key must cost nothing beside a get
        return "doc-" + "0000000".substring(Math.min(7, digits.length())) + digits;
    }

    /** {@code count} documents under {@link #key(int)}, in key order. */
    static Map<String, JsonNode> batch(int from, int count) {
        Map<String, JsonNode> batch = new LinkedHashMap<>();
        for (int n = from; n < from + count; n++) {
            batch.put(key(n), document(n));
        }
        return batch;
    }

    /** The update workload's change: one field of the document, read and written back. */
    static JsonNode addVisit(JsonNode doc) {
        ObjectNode object = (ObjectNode) doc;
        object.put("visits", object.get("visits").asLong() + 1);
        return object;
    }
}
