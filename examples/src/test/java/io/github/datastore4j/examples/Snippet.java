package io.github.datastore4j.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A README {@code ```java} block as the compilation unit a reader would write: the Install section's imports, the
 * block's own leading {@code import} lines, and the rest of the block as the body of
 * {@code public static void run(<given>) throws Exception}. Every line of the unit remembers its README line, so a
 * compiler message points into the README. Immutable.
 *
 * <p>Directives, HTML comments on the lines right above the opening fence (invisible on GitHub):
 *
 * <ul>
 *   <li>{@code <!-- fragment: why -->} — not compiled: a sketch with parts the reader supplies;
 *   <li>{@code <!-- given: Storage storage, Datastore profiles -->} — the variables the block continues from, which an
 *       earlier section declared; they become {@code run}'s parameters;
 *   <li>{@code <!-- run -->} — also run, on a fresh {@code memory:} storage; {@code Storage} parameters get that
 *       storage, {@code Datastore} parameters its namespace of the parameter's name.
 * </ul>
 */
final class Snippet {
    static final Set<String> DIRECTIVES = Set.of("fragment", "given", "run");

    /** An import line of the README, kept as written. */
    record Import(String text, int line) {}

    /** A parameter of {@code run}: {@code Storage storage}. */
    record Parameter(String type, String name) {}

    final Readme.Block block;
    final String className;
    final List<Parameter> given;
    private final List<String> unit = new ArrayList<>();
    private final List<Integer> readmeLines = new ArrayList<>();

    Snippet(Readme.Block block, List<Import> imports) {
        for (Readme.Directive directive : block.directives()) {
            if (!DIRECTIVES.contains(directive.name())) {
                throw new IllegalArgumentException("README.md line " + directive.line()
                        + ": unknown snippet directive <!-- " + directive.name() + " -->, known: " + DIRECTIVES);
            }
        }
        this.block = block;
        this.className = "ReadmeLine" + block.fenceLine();
        this.given = parameters(block);
        imports.forEach(line -> add(line.text(), line.line()));
        List<String> lines = block.lines();
        int body = 0;
        while (body < lines.size()
                && (lines.get(body).isBlank() || lines.get(body).startsWith("import "))) {
            add(lines.get(body), block.firstLine() + body);
            body++;
        }
        add("public final class " + className + " {", 0);
        add(
                "public static void run("
                        + String.join(
                                ", ",
                                given.stream()
                                        .map(p -> p.type() + " " + p.name())
                                        .toList())
                        + ") throws Exception {",
                block.directives().stream()
                        .filter(d -> d.name().equals("given"))
                        .mapToInt(Readme.Directive::line)
                        .findFirst()
                        .orElse(block.fenceLine()));
        for (int i = body; i < lines.size(); i++) {
            add(lines.get(i), block.firstLine() + i);
        }
        add("}}", block.firstLine() + lines.size());
    }

    /** The Install section's imports: its {@code ```java} block, which holds import lines and nothing else. */
    static List<Import> imports(Readme.Block block) {
        List<Import> imports = new ArrayList<>();
        for (int i = 0; i < block.lines().size(); i++) {
            String line = block.lines().get(i).strip();
            if (line.startsWith("import ") && line.contains(";")) {
                imports.add(new Import(line, block.firstLine() + i));
            } else if (!line.isEmpty() && !line.startsWith("//")) {
                throw new IllegalArgumentException("README.md line " + (block.firstLine() + i)
                        + ": the Install section's imports block holds something other than imports: " + line);
            }
        }
        return imports;
    }

    boolean runs() {
        return block.has("run");
    }

    String source() {
        return String.join("\n", unit) + "\n";
    }

    /** The README line of the unit's line {@code line} (from 1), or 0 for a line the test wrapped around the block. */
    int readmeLine(long line) {
        return line >= 1 && line <= readmeLines.size() ? readmeLines.get((int) line - 1) : 0;
    }

    /** The unit's line {@code line} (from 1), as written in the README; empty if there is none. */
    String line(long line) {
        return line >= 1 && line <= unit.size() ? unit.get((int) line - 1) : "";
    }

    private void add(String line, int readmeLine) {
        unit.add(line);
        readmeLines.add(readmeLine);
    }

    private static List<Parameter> parameters(Readme.Block block) {
        List<Parameter> parameters = new ArrayList<>();
        for (Readme.Directive directive : block.directives()) {
            if (!directive.name().equals("given")) {
                continue;
            }
            for (String declaration : directive.argument().split(",")) {
                String[] typeAndName = declaration.trim().split("\\s+");
                if (typeAndName.length != 2) {
                    throw new IllegalArgumentException("README.md line " + directive.line()
                            + ": <!-- given: --> takes \"Type name, Type name\", not \"" + declaration.trim() + "\"");
                }
                parameters.add(new Parameter(typeAndName[0], typeAndName[1]));
            }
        }
        return parameters;
    }
}
