package io.github.datastore4j.testkit;

import io.github.datastore4j.api.Document;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@link CrashRecoveryKit} knows a store must hold: for every key the acknowledged value (or absence), and the
 * value announced by an operation still in flight at the kill, which may or may not have landed. Fed with the
 * {@link CrashWriter}'s lines; {@link #check} compares a reopened store with it and then settles the in-flight
 * operations to what the store shows.
 *
 * <p>Not thread-safe: one test thread feeds and checks it.
 */
final class CrashModel {
    private static final JsonMapper JSON = JsonMapper.shared();
    /** Stands for "absent" in {@link #acknowledged} and {@link #inFlight}. */
    private static final String ABSENT = "-";

    /** Canonical JSON text of each key's acknowledged value, or {@link #ABSENT}. */
    private final Map<String, String> acknowledged = new HashMap<>();
    /** Begun and not acknowledged (yet): key to announced value. */
    private final Map<String, String> inFlight = new HashMap<>();

    private long acks;
    private long landedInFlight;

    void prefilled(String key, JsonNode value) {
        acknowledged.put(key, value.toString());
    }

    /** Takes one line of the writer's output; returns false for a line that is not an operation. */
    boolean accept(String line) {
        if (line.startsWith("B ")) {
            String[] parts = line.split(" ", 4);
            String previous = inFlight.put(parts[2], canonical(parts[3]));
            if (previous != null) {
                throw new IllegalStateException("writer began a second operation on " + parts[2] + " before the first"
                        + " was acknowledged: " + line);
            }
            return true;
        }
        if (line.startsWith("A ")) {
            String key = line.split(" ", 3)[2];
            String value = inFlight.remove(key);
            if (value == null) {
                throw new IllegalStateException("writer acknowledged " + key + " which it never began: " + line);
            }
            acknowledged.put(key, value);
            acks++;
            return true;
        }
        return false;
    }

    private static String canonical(String json) {
        return json.equals(ABSENT) ? ABSENT : JSON.readTree(json).toString();
    }

    /**
     * Every difference between {@code stored} (the whole namespace) and this model: a key whose value is neither the
     * acknowledged one nor the one in flight, and a key stored that no operation wrote. Settles in-flight operations.
     */
    List<String> check(SortedMap<String, Document> stored) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(acknowledged.keySet());
        keys.addAll(inFlight.keySet());
        for (String key : keys) {
            Document document = stored.get(key);
            String actual = document == null ? ABSENT : document.value().toString();
            String expected = acknowledged.getOrDefault(key, ABSENT);
            String pending = inFlight.get(key);
            if (actual.equals(expected)) {
                continue;
            }
            if (Objects.equals(actual, pending)) {
                landedInFlight++;
                acknowledged.put(key, actual);
                continue;
            }
            problems.add("key '" + key + "': stored " + shorten(actual) + ", acknowledged " + shorten(expected)
                    + (pending == null ? "" : ", in flight " + shorten(pending)));
        }
        for (String key : stored.keySet()) {
            if (!keys.contains(key)) {
                problems.add("key '" + key + "' is stored but no operation wrote it");
            }
        }
        inFlight.clear();
        acknowledged.values().removeIf(ABSENT::equals);
        return problems;
    }

    private static String shorten(String json) {
        return json.length() > 80 ? json.substring(0, 80) + "…" : json;
    }

    /** Acknowledged operations taken so far. */
    long acks() {
        return acks;
    }

    /** Operations in flight at a kill that were found applied. */
    long landedInFlight() {
        return landedInFlight;
    }

    /** Keys the store must hold now. */
    int size() {
        return acknowledged.size();
    }
}
