package io.github.datastore4j.views;

import io.github.datastore4j.api.Document;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A named map (and optional reduce) over one namespace, kept up to date incrementally: a change to a document re-maps
 * that document only, replacing its old rows with its new ones.
 *
 * <p><b>Consistency.</b> A document's rows are replaced under the view's write lock and a query runs under its read
 * lock, so a query sees each document's rows from one version, never old and new together, and
 * {@code includeDocuments} returns the version that emitted the row. Thread-safe. Get one from
 * {@link Views#define}.
 */
public final class View {
    private static final JsonMapper MAPPER = JsonMapper.shared();

    /** An emitted row's place: emitted key, then document key, then the emit's index within the document. */
    private record RowKey(JsonNode key, String id, int seq) {}

    /** A selected row and, for a {@code keys} query, the index of the key it matched. */
    private record Selected(RowKey row, JsonNode value, int keyIndex) {}

    /** Bound ranks: a bound sorts before (-1) or after (+1) every row with the same emitted key. */
    private static final String BOUND = null;

    private static final Comparator<RowKey> ROW_ORDER = (a, b) -> {
        int c = JsonCollation.compare(a.key, b.key);
        if (c != 0) {
            return c;
        }
        if (a.id == BOUND || b.id == BOUND) {
            return Integer.compare(a.id == BOUND ? a.seq : 0, b.id == BOUND ? b.seq : 0);
        }
        c = a.id.compareTo(b.id);
        return c != 0 ? c : Integer.compare(a.seq, b.seq);
    };

    private final String name;
    private final MapFunction map;
    private final Reducer reducer;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<RowKey, JsonNode> rows = new TreeMap<>(ROW_ORDER);
    private final Map<String, List<RowKey>> rowsByDocument = new HashMap<>();
    private final Map<String, Document> documents = new HashMap<>();

    View(String name, MapFunction map, Reducer reducer) {
        this.name = name;
        this.map = map;
        this.reducer = reducer;
    }

    public String name() {
        return name;
    }

    /** Whether the view has a reducer. */
    public boolean reduces() {
        return reducer != null;
    }

    /** Maps {@code document}; throws what the map function throws. */
    List<JsonNode[]> map(Document document) {
        List<JsonNode[]> emits = new ArrayList<>();
        map.map(document, (key, value) -> emits.add(new JsonNode[] {ViewQuery.json(key), ViewQuery.json(value)}));
        return emits;
    }

    /** Replaces the rows of document {@code id} with {@code emits} (none when the document is gone). */
    void replace(String id, Document document, List<JsonNode[]> emits) {
        lock.writeLock().lock();
        try {
            List<RowKey> old = rowsByDocument.remove(id);
            if (old != null) {
                old.forEach(rows::remove);
            }
            documents.remove(id);
            if (document == null || emits.isEmpty()) {
                return;
            }
            List<RowKey> added = new ArrayList<>(emits.size());
            for (int i = 0; i < emits.size(); i++) {
                RowKey row = new RowKey(emits.get(i)[0], id, i);
                rows.put(row, emits.get(i)[1]);
                added.add(row);
            }
            rowsByDocument.put(id, added);
            documents.put(id, document);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Answers {@code query} from one consistent state of the view.
     *
     * @throws IllegalArgumentException for a malformed cursor, a cursor on a reduced query, or documents with reduce
     */
    public ViewResult query(ViewQuery query) {
        boolean reduce = query.reduce == null ? reducer != null : query.reduce;
        if (reduce && reducer == null) {
            throw new IllegalArgumentException("view '" + name + "' has no reducer; query it with reduce(false)");
        }
        if (reduce && query.includeDocuments) {
            throw new IllegalArgumentException(
                    "includeDocuments applies to rows, not to a reduced query of view '" + name + "'");
        }
        if (reduce && query.cursor != null) {
            throw new IllegalArgumentException(
                    "cursors page rows; page a reduced query of view '" + name + "' with skip and limit");
        }
        lock.readLock().lock();
        try {
            List<Selected> selected = select(query);
            return reduce ? reduced(selected, query) : page(selected, query);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Every row the query's keys, range and cursor select, in query order. */
    private List<Selected> select(ViewQuery query) {
        List<Selected> selected = new ArrayList<>();
        Cursor cursor = query.cursor == null ? null : decodeCursor(query.cursor, query.descending);
        if (query.keys != null) {
            for (int i = cursor == null ? 0 : cursor.keyIndex; i < query.keys.size(); i++) {
                JsonNode key = query.keys.get(i);
                NavigableMap<RowKey, JsonNode> exact =
                        rows.subMap(new RowKey(key, BOUND, -1), true, new RowKey(key, BOUND, 1), true);
                if (cursor != null && i == cursor.keyIndex) {
                    exact = query.descending ? exact.headMap(cursor.row, false) : exact.tailMap(cursor.row, false);
                }
                int keyIndex = i;
                (query.descending ? exact.descendingMap() : exact)
                        .forEach((row, value) -> selected.add(new Selected(row, value, keyIndex)));
            }
            return selected;
        }
        JsonNode low = query.descending ? query.endKey : query.startKey;
        JsonNode high = query.descending ? query.startKey : query.endKey;
        RowKey from = low == null ? null : new RowKey(low, BOUND, query.descending && !query.inclusiveEnd ? 1 : -1);
        RowKey to = high == null ? null : new RowKey(high, BOUND, !query.descending && !query.inclusiveEnd ? -1 : 1);
        if (from != null && to != null && ROW_ORDER.compare(from, to) > 0) {
            return selected;
        }
        NavigableMap<RowKey, JsonNode> range = rows;
        if (from != null && to != null) {
            range = rows.subMap(from, true, to, true);
        } else if (from != null) {
            range = rows.tailMap(from, true);
        } else if (to != null) {
            range = rows.headMap(to, true);
        }
        if (cursor != null) {
            range = query.descending ? range.headMap(cursor.row, false) : range.tailMap(cursor.row, false);
        }
        (query.descending ? range.descendingMap() : range)
                .forEach((row, value) -> selected.add(new Selected(row, value, -1)));
        return selected;
    }

    private ViewResult page(List<Selected> selected, ViewQuery query) {
        List<ViewRow> page = new ArrayList<>();
        int from = Math.min(query.skip, selected.size());
        int to = (int) Math.min((long) from + query.limit, selected.size());
        for (Selected entry : selected.subList(from, to)) {
            RowKey row = entry.row;
            page.add(new ViewRow(row.key, entry.value, row.id, query.includeDocuments ? documents.get(row.id) : null));
        }
        String next = to < selected.size() && to > from ? encodeCursor(selected.get(to - 1), query.descending) : null;
        return new ViewResult(page, next);
    }

    private ViewResult reduced(List<Selected> selected, ViewQuery query) {
        List<ViewRow> groups = new ArrayList<>();
        if (query.groupLevel == 0) {
            List<JsonNode> values = new ArrayList<>(selected.size());
            selected.forEach(entry -> values.add(entry.value));
            groups.add(new ViewRow(
                    NullNode.getInstance(), reducer.reduce(Collections.unmodifiableList(values)), null, null));
        } else {
            JsonNode current = null;
            List<JsonNode> values = new ArrayList<>();
            for (Selected entry : selected) {
                JsonNode group = groupKey(entry.row.key, query.groupLevel);
                if (current != null && JsonCollation.compare(current, group) != 0) {
                    groups.add(new ViewRow(current, reducer.reduce(List.copyOf(values)), null, null));
                    values.clear();
                }
                current = group;
                values.add(entry.value);
            }
            if (current != null) {
                groups.add(new ViewRow(current, reducer.reduce(List.copyOf(values)), null, null));
            }
        }
        int from = Math.min(query.skip, groups.size());
        int to = (int) Math.min((long) from + query.limit, groups.size());
        return new ViewResult(groups.subList(from, to), null);
    }

    private static JsonNode groupKey(JsonNode key, int level) {
        if (level < 0 || !key.isArray() || key.size() <= level) {
            return key;
        }
        ArrayNode prefix = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < level; i++) {
            prefix.add(key.get(i));
        }
        return prefix;
    }

    /** Where a page ended: its last row and, for a {@code keys} query, the index of that row's key. */
    private record Cursor(RowKey row, int keyIndex) {}

    private String encodeCursor(Selected last, boolean descending) {
        ObjectNode cursor = JsonNodeFactory.instance.objectNode();
        cursor.put("v", name);
        cursor.put("d", descending);
        cursor.set("k", last.row.key);
        cursor.put("i", last.row.id);
        cursor.put("s", last.row.seq);
        cursor.put("x", last.keyIndex);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MAPPER.writeValueAsBytes(cursor));
    }

    private Cursor decodeCursor(String cursor, boolean descending) {
        JsonNode node;
        try {
            node = MAPPER.readTree(Base64.getUrlDecoder().decode(cursor));
        } catch (JacksonException | IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + cursor + "' is not a cursor of view '" + name + "'", e);
        }
        if (!name.equals(node.path("v").asString())
                || node.path("d").asBoolean() != descending
                || !node.path("i").isString()
                || !node.has("k")) {
            throw new IllegalArgumentException("cursor was not returned by a "
                    + (descending ? "descending" : "ascending") + " query of view '" + name + "'");
        }
        return new Cursor(
                new RowKey(
                        node.get("k"), node.get("i").asString(), node.path("s").asInt()),
                Math.max(0, node.path("x").asInt()));
    }

    @Override
    public String toString() {
        return "View[" + name + "]";
    }
}
