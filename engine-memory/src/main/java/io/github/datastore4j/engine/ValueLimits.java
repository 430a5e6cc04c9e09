package io.github.datastore4j.engine;

import io.github.datastore4j.api.DatastoreException;
import io.github.datastore4j.api.ErrorCode;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.databind.JsonNode;

/**
 * The one set of limits a value must keep to be stored, and the same limits the engine reads stored values with: a
 * value is either refused when it enters, with {@link ErrorCode#INVALID_VALUE} naming the limit, or readable after a
 * reopen. The numbers are Jackson's own read defaults, so any Jackson reader can read an exported value too.
 *
 * <p>The check walks the tree with an explicit stack, so no depth of nesting can overflow the caller's stack.
 * Stateless and thread-safe.
 */
final class ValueLimits {
    /** Containers inside containers, the outermost counting as 1. */
    static final int MAX_NESTING_DEPTH = 500;
    /** Characters of a number as written in JSON. */
    static final int MAX_NUMBER_LENGTH = 1_000;
    /** Characters of a property name. */
    static final int MAX_NAME_LENGTH = 50_000;

    private ValueLimits() {}

    /** What the reader of stored values allows: exactly what {@link #check} lets in (strings are bounded by size). */
    static StreamReadConstraints readConstraints() {
        return StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxNameLength(MAX_NAME_LENGTH)
                .maxStringLength(Integer.MAX_VALUE)
                .build();
    }

    static StreamWriteConstraints writeConstraints() {
        return StreamWriteConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .build();
    }

    /**
     * Refuses {@code tree}, the {@code what} ("value", "metadata") of {@code key}, if it breaks a limit or holds a
     * number JSON cannot express (NaN, ±Infinity).
     *
     * @throws DatastoreException with {@link ErrorCode#INVALID_VALUE} naming the limit and where it was broken
     */
    static void check(String namespace, String key, String what, JsonNode tree) {
        ArrayDeque<Iterator<? extends JsonNode>> open = new ArrayDeque<>();
        JsonNode node = tree;
        for (; ; ) {
            if (node != null) {
                if (node.isContainer()) {
                    if (open.size() + 1 > MAX_NESTING_DEPTH) {
                        throw invalid(
                                namespace,
                                key,
                                what,
                                "is nested deeper than " + MAX_NESTING_DEPTH
                                        + " levels of arrays and objects (the limit of nesting depth)");
                    }
                    open.push(
                            node.isObject()
                                    ? new FieldValues(node.properties().iterator())
                                    : node.values().iterator());
                } else if (node.isNumber()) {
                    checkNumber(namespace, key, what, node);
                }
            }
            node = null;
            while (!open.isEmpty() && !open.peek().hasNext()) {
                open.pop();
            }
            if (open.isEmpty()) {
                return;
            }
            Iterator<? extends JsonNode> top = open.peek();
            node = top.next();
            if (top instanceof FieldValues) {
                String name = ((FieldValues) top).lastName;
                if (name.length() > MAX_NAME_LENGTH) {
                    throw invalid(
                            namespace,
                            key,
                            what,
                            "has a property name of " + name.length() + " characters, more than the limit of "
                                    + MAX_NAME_LENGTH);
                }
            }
        }
    }

    private static void checkNumber(String namespace, String key, String what, JsonNode number) {
        if (number.isDouble() || number.isFloat()) {
            double d = number.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw invalid(
                        namespace,
                        key,
                        what,
                        "holds " + d + ", which JSON cannot express (use null or a" + " string if you need it)");
            }
        } else if (number.isBigDecimal() || number.isBigInteger()) {
            int length = number.isBigDecimal()
                    ? number.decimalValue().toString().length()
                    : number.bigIntegerValue().toString().length();
            if (length > MAX_NUMBER_LENGTH) {
                throw invalid(
                        namespace,
                        key,
                        what,
                        "holds a number of " + length + " characters, more than the limit of " + MAX_NUMBER_LENGTH
                                + " (store it as a string)");
            }
        }
    }

    private static DatastoreException invalid(String namespace, String key, String what, String problem) {
        return new DatastoreException(
                ErrorCode.INVALID_VALUE,
                what + " for key '" + key + "' in namespace '" + namespace + "' " + problem + "; nothing was stored");
    }

    /** The values of an object's properties, remembering the name of the last one. */
    private static final class FieldValues implements Iterator<JsonNode> {
        private final Iterator<Map.Entry<String, JsonNode>> fields;
        private String lastName;

        FieldValues(Iterator<Map.Entry<String, JsonNode>> fields) {
            this.fields = fields;
        }

        @Override
        public boolean hasNext() {
            return fields.hasNext();
        }

        @Override
        public JsonNode next() {
            Map.Entry<String, JsonNode> field = fields.next();
            lastName = field.getKey();
            return field.getValue();
        }
    }
}
