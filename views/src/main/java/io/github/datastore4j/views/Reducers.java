package io.github.datastore4j.views;

import java.math.BigDecimal;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The built-in reducers, after CouchDB's {@code _count}, {@code _sum} and {@code _stats}. */
public final class Reducers {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Reducers() {}

    /** The number of rows. */
    public static Reducer count() {
        return values -> JSON.numberNode(values.size());
    }

    /**
     * The sum of the values, which must be numbers.
     *
     * @throws IllegalArgumentException at query time if a value is not a number
     */
    public static Reducer sum() {
        return values -> JSON.numberNode(normalize(sumOf(values)));
    }

    /** {@code {"sum", "count", "min", "max", "sumsqr"}} of numeric values; null min and max for no rows. */
    public static Reducer stats() {
        return values -> {
            BigDecimal sum = BigDecimal.ZERO;
            BigDecimal sumsqr = BigDecimal.ZERO;
            BigDecimal min = null;
            BigDecimal max = null;
            for (JsonNode value : values) {
                BigDecimal number = number(value);
                sum = sum.add(number);
                sumsqr = sumsqr.add(number.multiply(number));
                min = min == null || number.compareTo(min) < 0 ? number : min;
                max = max == null || number.compareTo(max) > 0 ? number : max;
            }
            ObjectNode stats = JSON.objectNode();
            stats.put("sum", normalize(sum));
            stats.put("count", values.size());
            stats.put("min", min == null ? null : normalize(min));
            stats.put("max", max == null ? null : normalize(max));
            stats.put("sumsqr", normalize(sumsqr));
            return stats;
        };
    }

    private static BigDecimal sumOf(List<JsonNode> values) {
        BigDecimal sum = BigDecimal.ZERO;
        for (JsonNode value : values) {
            sum = sum.add(number(value));
        }
        return sum;
    }

    private static BigDecimal number(JsonNode value) {
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("sum and stats reduce numbers only, but a row's value is " + value);
        }
        return value.decimalValue();
    }

    private static BigDecimal normalize(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
