package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.protocol.SqlState;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;
import org.postgresql.util.PSQLException;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A /query statement turned into JDBC form: {@code $n} placeholders (seed 000 §4.1) become {@code ?} with the
 * parameter each one binds, and a literal {@code ?} (jsonb operators) is escaped as {@code ??}.
 *
 * <p>The text is read with pgjdbc's own lexer, and its statements are counted with the very call pgjdbc makes when
 * it prepares a statement, with the connection's own {@code standard_conforming_strings}: so the count here is the
 * number of Parse messages pgjdbc would send, and more than one is refused. With one Parse, PostgreSQL's lexer has
 * the last word: a text it reads as several commands is refused by the server (SQLSTATE 42601, see
 * {@link #isSeveralCommands}), so no disagreement between the two lexers can run a second statement.
 *
 * @param sql      the statement with JDBC placeholders
 * @param bindings for each {@code ?} in order, the zero-based index into the request's params
 */
public record QueryText(String sql, List<Integer> bindings) {

    static final String SINGLE_STATEMENT = "query must be a single statement; use one request per statement";

    /** @param standardConformingStrings the connection's setting: whether a backslash in a plain '' string escapes */
    public static QueryText parse(String query, boolean standardConformingStrings) {
        List<Integer> bindings = new ArrayList<>();
        String sql = placeholders(query, standardConformingStrings, bindings);
        List<NativeQuery> statements;
        try {
            // As pgjdbc's CachedQueryCreateAction does for a PreparedStatement: JDBC escapes, then the split.
            String escaped = Parser.replaceProcessing(sql, true, standardConformingStrings);
            statements = Parser.parseJdbcSql(escaped, standardConformingStrings, true, true, false, false);
        } catch (SQLException e) {
            throw ApiException.badRequest("query could not be read: " + e.getMessage());
        }
        if (statements.isEmpty()) throw ApiException.badRequest("query is empty");
        if (statements.size() > 1) throw ApiException.badRequest(SINGLE_STATEMENT);
        return new QueryText(sql, List.copyOf(bindings));
    }

    /** PostgreSQL's refusal of a Parse message that holds more than one command. */
    static boolean isSeveralCommands(SQLException e) {
        return SqlState.SYNTAX_ERROR.equals(e.getSQLState()) && e instanceof PSQLException p && p.getServerErrorMessage() != null
                && "exec_parse_message".equals(p.getServerErrorMessage().getRoutine());
    }

    /**
     * {@code $n} → {@code ?} and {@code ?} → {@code ??} outside quotes, quoted identifiers, dollar-quoted strings
     * and comments, which pgjdbc's lexer skips as wholes exactly as it will when the statement is prepared.
     */
    private static String placeholders(String query, boolean standardConformingStrings, List<Integer> bindings) {
        char[] text = query.toCharArray();
        StringBuilder out = new StringBuilder(text.length + 8);
        int i = 0;
        while (i < text.length) {
            char ch = text[i];
            if (ch == '$' && i + 1 < text.length && Character.isDigit(text[i + 1]) && (i == 0 || !Parser.isIdentifierContChar(text[i - 1]))) {
                int j = i + 1;
                while (j < text.length && Character.isDigit(text[j])) j++;
                int number;
                try {
                    number = Integer.parseInt(query, i + 1, j, 10);
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("query placeholder " + query.substring(i, j) + " is out of range");
                }
                if (number < 1) throw ApiException.badRequest("query placeholders start at $1");
                out.append('?');
                bindings.add(number - 1);
                i = j;
                continue;
            }
            if (ch == '?') {
                out.append("??");
                i++;
                continue;
            }
            int last = switch (ch) {
                case '\'' -> Parser.parseSingleQuotes(text, i, standardConformingStrings);
                case '"' -> Parser.parseDoubleQuotes(text, i);
                case '-' -> Parser.parseLineComment(text, i);
                case '/' -> Parser.parseBlockComment(text, i);
                case '$' -> Parser.parseDollarQuotes(text, i);
                default -> i;
            };
            // Each parser answers the index of the construct's last character (the end of the text when unterminated;
            // PostgreSQL then refuses the statement itself).
            int end = Math.min(last + 1, text.length);
            out.append(text, i, end - i);
            i = end;
        }
        return out.toString();
    }
}
