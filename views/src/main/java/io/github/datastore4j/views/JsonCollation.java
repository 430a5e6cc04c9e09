package io.github.datastore4j.views;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The total order of emitted keys, after CouchDB's: {@code null < false < true < numbers < strings < arrays < objects}.
 * Numbers compare by value ({@code 5 == 5.0}); strings by UTF-16 code unit ({@link String#compareTo}, not ICU
 * collation); arrays element by element, a shorter prefix first; objects property by property in their order (name,
 * then value), fewer properties first. So compound keys such as {@code ["2024-01", "alice"]} range-query naturally.
 */
public final class JsonCollation {
    /** The order as a comparator; consistent with equals on JSON values (numbers by value). */
    public static final Comparator<JsonNode> ORDER = JsonCollation::compare;

    private JsonCollation() {}

    public static int compare(JsonNode a, JsonNode b) {
        int rank = Integer.compare(rank(a), rank(b));
        if (rank != 0) {
            return rank;
        }
        switch (rank(a)) {
            case 0:
            case 1:
            case 2:
                return 0;
            case 3:
                return a.decimalValue().compareTo(b.decimalValue());
            case 4:
                return a.asString().compareTo(b.asString());
            case 5:
                return compareArrays(a, b);
            default:
                return compareObjects(a, b);
        }
    }

    private static int rank(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return 0;
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? 2 : 1;
        }
        if (node.isNumber()) {
            return 3;
        }
        if (node.isString()) {
            return 4;
        }
        if (node.isArray()) {
            return 5;
        }
        return 6; // objects, and anything else Jackson may hold (binary, POJO) after them
    }

    private static int compareArrays(JsonNode a, JsonNode b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    private static int compareObjects(JsonNode a, JsonNode b) {
        Iterator<Map.Entry<String, JsonNode>> left = a.properties().iterator();
        Iterator<Map.Entry<String, JsonNode>> right = b.properties().iterator();
        while (left.hasNext() && right.hasNext()) {
            Map.Entry<String, JsonNode> l = left.next();
            Map.Entry<String, JsonNode> r = right.next();
            int c = l.getKey().compareTo(r.getKey());
            if (c == 0) {
                c = compare(l.getValue(), r.getValue());
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
