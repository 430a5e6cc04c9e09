package io.github.datastore4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's README.md as its fenced code blocks, each with the {@code ##} section and nearest heading it sits
 * under and the HTML comments on the lines right above its opening fence (the snippet directives). Immutable.
 */
final class Readme {
    /** Surefire runs a module's tests in the module's folder. */
    static final Path FILE = Path.of("..", "README.md");

    private static final Pattern DIRECTIVE = Pattern.compile("^<!--\\s*(.*?)\\s*-->$");

    /** One fenced block; {@code firstLine} is the README line (from 1) of its first line inside the fence. */
    record Block(
            String section,
            String heading,
            String language,
            int fenceLine,
            int firstLine,
            List<String> lines,
            List<Directive> directives) {

        /** Where the block is, for messages: "README.md line 71 (## API tour)". */
        String where() {
            return "README.md line " + fenceLine + " (" + heading + ")";
        }

        boolean has(String directive) {
            return directives.stream().anyMatch(d -> d.name().equals(directive));
        }
    }

    /** An HTML comment right above a fence, {@code <!-- name -->} or {@code <!-- name: argument -->}. */
    record Directive(String name, String argument, int line) {}

    private final List<Block> blocks;

    private Readme(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    static Readme read() throws IOException {
        return parse(Files.readAllLines(FILE, StandardCharsets.UTF_8));
    }

    static Readme parse(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        String section = "(top)";
        String heading = "(top)";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("## ")) {
                section = line.substring(3).trim();
                heading = line;
            } else if (line.startsWith("### ")) {
                heading = line;
            } else if (line.startsWith("```")) {
                int open = i;
                List<String> body = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                    body.add(lines.get(i));
                }
                if (i == lines.size()) {
                    throw new IllegalStateException("README.md line " + (open + 1) + ": the fence is never closed");
                }
                blocks.add(new Block(
                        section,
                        heading,
                        line.substring(3).trim(),
                        open + 1,
                        open + 2,
                        body,
                        directivesAbove(lines, open)));
            }
        }
        return new Readme(blocks);
    }

    private static List<Directive> directivesAbove(List<String> lines, int fence) {
        List<Directive> directives = new ArrayList<>();
        for (int i = fence - 1; i >= 0; i--) {
            Matcher comment = DIRECTIVE.matcher(lines.get(i).trim());
            if (!comment.matches()) {
                break;
            }
            String text = comment.group(1);
            int colon = text.indexOf(':');
            directives.add(
                    0,
                    colon < 0
                            ? new Directive(text, "", i + 1)
                            : new Directive(
                                    text.substring(0, colon).trim(),
                                    text.substring(colon + 1).trim(),
                                    i + 1));
        }
        return directives;
    }

    List<Block> blocks() {
        return blocks;
    }

    /** The blocks of one {@code ##} section in {@code language}. */
    List<Block> blocks(String section, String language) {
        return blocks.stream()
                .filter(block ->
                        block.section().equals(section) && block.language().equals(language))
                .toList();
    }
}
