package org.stonescriptdb.gateway.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell examples of a Markdown file: every fenced block marked {@code sh}. An HTML comment on the line before the
 * fence may say what it is — {@code <!-- example: preamble -->} (variables every other example needs) or
 * {@code <!-- example: not run (why) -->}; any other {@code example:} comment is refused, so a typo cannot quietly
 * change what runs. Blocks in other languages ({@code json}, {@code sql}, {@code console} transcripts) are not examples.
 */
final class MarkdownExamples {

    enum Kind { RUN, PREAMBLE, NOT_RUN }

    /** One shell block: where it is (file as given, 1-based line of its opening fence), what it is, its text. */
    record Block(String file, int line, Kind kind, String reason, String text) {
        String where() {
            return file + ":" + line;
        }
    }

    /** An opening fence, also indented inside a list item; its indentation is taken off the block's lines. */
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([A-Za-z0-9_+-]*)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!--\\s*example:\\s*(.*?)\\s*-->\\s*$");
    private static final Pattern NOT_RUN = Pattern.compile("not run \\((.+)\\)");

    private MarkdownExamples() {
    }

    static List<Block> read(Path root, String file) throws IOException {
        return parse(file, Files.readString(root.resolve(file)));
    }

    static List<Block> parse(String file, String markdown) {
        List<String> lines = markdown.lines().toList();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) continue;
            int start = i;
            StringBuilder text = new StringBuilder();
            int indent = open.group(1).length();
            for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                String line = lines.get(i);
                int cut = 0;
                while (cut < indent && cut < line.length() && Character.isWhitespace(line.charAt(cut))) cut++;
                text.append(line.substring(cut)).append('\n');
            }
            if (i == lines.size()) throw new IllegalArgumentException(file + ":" + (start + 1) + ": code block never closed");
            if (!open.group(2).equals("sh")) continue;
            Kind kind = Kind.RUN;
            String reason = null;
            Matcher marker = start > 0 ? MARKER.matcher(lines.get(start - 1).strip()) : null;
            if (marker != null && marker.matches()) {
                String what = marker.group(1);
                Matcher notRun = NOT_RUN.matcher(what);
                if (what.equals("preamble")) {
                    kind = Kind.PREAMBLE;
                } else if (notRun.matches()) {
                    kind = Kind.NOT_RUN;
                    reason = notRun.group(1);
                } else {
                    throw new IllegalArgumentException(file + ":" + start + ": unknown marker '" + what
                            + "'; use <!-- example: preamble --> or <!-- example: not run (why) -->");
                }
            }
            blocks.add(new Block(file, start + 1, kind, reason, text.toString()));
        }
        return blocks;
    }
}
