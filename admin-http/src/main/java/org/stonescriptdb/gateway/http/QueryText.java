package org.stonescriptdb.gateway.http;

import java.util.ArrayList;
import java.util.List;

/**
 * A /query statement turned into JDBC form: {@code $n} placeholders (seed 000 §4.1) become {@code ?} with the
 * parameter each one binds, a literal {@code ?} (jsonb operators) is escaped as {@code ??}, and more than one
 * statement is refused. Quotes, quoted identifiers, dollar-quoted strings and comments are skipped as wholes,
 * so a {@code $1} or {@code ;} inside them is left alone.
 *
 * @param sql      the statement with JDBC placeholders
 * @param bindings for each {@code ?} in order, the zero-based index into the request's params
 */
public record QueryText(String sql, List<Integer> bindings) {

    public static QueryText parse(String query) {
        StringBuilder out = new StringBuilder(query.length());
        List<Integer> bindings = new ArrayList<>();
        int n = query.length();
        int i = 0;
        boolean ended = false;
        while (i < n) {
            char ch = query.charAt(i);
            if (ended && !Character.isWhitespace(ch) && ch != ';') {
                throw ApiException.badRequest("query must be a single statement; use one request per statement");
            }
            int end;
            if (ch == '\'' || ch == '"') {
                end = closing(query, i, ch);
            } else if (ch == '-' && i + 1 < n && query.charAt(i + 1) == '-') {
                int nl = query.indexOf('\n', i);
                end = nl < 0 ? n : nl + 1;
            } else if (ch == '/' && i + 1 < n && query.charAt(i + 1) == '*') {
                int close = query.indexOf("*/", i + 2);
                if (close < 0) throw ApiException.badRequest("query has an unterminated /* comment");
                end = close + 2;
            } else if (ch == '$' && i + 1 < n && Character.isDigit(query.charAt(i + 1))) {
                int j = i + 1;
                while (j < n && Character.isDigit(query.charAt(j))) j++;
                int number;
                try {
                    number = Integer.parseInt(query.substring(i + 1, j));
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("query placeholder " + query.substring(i, j) + " is out of range");
                }
                if (number < 1) throw ApiException.badRequest("query placeholders start at $1");
                out.append('?');
                bindings.add(number - 1);
                i = j;
                continue;
            } else if (ch == '$' && (i == 0 || !isIdentifierChar(query.charAt(i - 1)))) {
                int tagEnd = query.indexOf('$', i + 1);
                String tag = tagEnd < 0 ? null : query.substring(i, tagEnd + 1);
                if (tag != null && tag.substring(1, tag.length() - 1).chars().allMatch(c -> isIdentifierChar((char) c))) {
                    int close = query.indexOf(tag, tagEnd + 1);
                    if (close < 0) throw ApiException.badRequest("query has an unterminated " + tag + " string");
                    end = close + tag.length();
                } else {
                    end = i + 1;
                }
            } else if (ch == '?') {
                out.append("??");
                i++;
                continue;
            } else if (ch == ';') {
                ended = true;
                i++;
                continue;
            } else {
                end = i + 1;
            }
            out.append(query, i, end);
            i = end;
        }
        if (out.toString().isBlank()) throw ApiException.badRequest("query is empty");
        return new QueryText(out.toString(), List.copyOf(bindings));
    }

    private static int closing(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        throw ApiException.badRequest("query has an unterminated " + quote + " quote");
    }

    private static boolean isIdentifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
