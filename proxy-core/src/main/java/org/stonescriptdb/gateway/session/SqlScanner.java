package org.stonescriptdb.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal SQL lexer for what the gateway must know about client SQL: where statements end, their leading
 * words, and the identifiers outside literals. It understands quotes ({@code '…'}, {@code E'…'}, {@code "…"},
 * dollar quotes) and comments ({@code --}, nested {@code /* *}{@code /}), so a keyword inside a string never counts.
 */
final class SqlScanner {

    /** One statement: its words (lower-cased, literals and punctuation dropped) in order. */
    record Statement(List<String> words) {
        String word(int i) {
            return i < words.size() ? words.get(i) : "";
        }
    }

    private SqlScanner() {
    }

    static List<Statement> statements(String sql) {
        List<Statement> out = new ArrayList<>();
        List<String> words = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == ';') {
                if (!words.isEmpty()) out.add(new Statement(List.copyOf(words)));
                words.clear();
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                boolean escapes = i > 0 && (sql.charAt(i - 1) == 'e' || sql.charAt(i - 1) == 'E') && (i < 2 || !isWordChar(sql.charAt(i - 2)));
                i = skipQuoted(sql, i, '\'', escapes);
                words.add("'");
            } else if (c == '"') {
                int end = skipQuoted(sql, i, '"', false);
                words.add(sql.substring(i + 1, Math.max(i + 1, end - 1)).replace("\"\"", "\""));
                i = end;
            } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd);
                int close = sql.indexOf(tag, tagEnd);
                i = close < 0 ? n : close + tag.length();
                words.add("'");
            } else if (isWordStart(c)) {
                int start = i;
                while (i < n && isWordChar(sql.charAt(i))) i++;
                // E'…' strings: the E is a prefix, not a word
                if (i < n && sql.charAt(i) == '\'' && i - start == 1 && (c == 'e' || c == 'E')) continue;
                words.add(sql.substring(start, i).toLowerCase(Locale.ROOT));
            } else if (c == '(' || c == ')' || c == ',' || c == '=') {
                words.add(String.valueOf(c));
                i++;
            } else {
                i++;
            }
        }
        if (!words.isEmpty()) out.add(new Statement(List.copyOf(words)));
        return out;
    }

    private static int skipBlockComment(String sql, int i) {
        int depth = 0;
        int n = sql.length();
        while (i < n) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) return i;
            } else {
                i++;
            }
        }
        return n;
    }

    private static int skipQuoted(String sql, int i, char quote, boolean backslashEscapes) {
        int n = sql.length();
        i++;
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) i += 2;
                else return i + 1;
            } else {
                i++;
            }
        }
        return n;
    }

    /** End (exclusive) of a dollar-quote opening tag at {@code i}, or -1 if {@code $} starts no tag (e.g. {@code $1}). */
    private static int dollarTagEnd(String sql, int i) {
        int j = i + 1;
        int n = sql.length();
        if (j < n && Character.isDigit(sql.charAt(j))) return -1;
        while (j < n && isWordChar(sql.charAt(j)) && sql.charAt(j) != '$') j++;
        return j < n && sql.charAt(j) == '$' ? j + 1 : -1;
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
