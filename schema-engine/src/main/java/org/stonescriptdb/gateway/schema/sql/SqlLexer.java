package org.stonescriptdb.gateway.schema.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL (and PL/pgSQL bodies) into tokens, dropping whitespace and comments. It knows exactly as much
 * of PostgreSQL's lexical rules as the engine needs to tell code from literals: nested block comments,
 * standard and escape strings, quoted identifiers and dollar quoting.
 */
public final class SqlLexer {

    private final String sql;
    private int pos;

    private SqlLexer(String sql) {
        this.sql = sql;
    }

    public static List<Token> tokenize(String sql) {
        return new SqlLexer(sql).run();
    }

    private List<Token> run() {
        List<Token> tokens = new ArrayList<>();
        int n = sql.length();
        while (pos < n) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && peek(1) == '-') {
                int eol = sql.indexOf('\n', pos);
                pos = eol < 0 ? n : eol + 1;
            } else if (c == '/' && peek(1) == '*') {
                skipBlockComment();
            } else if (c == '\'') {
                tokens.add(string(pos, isEscapeStringPrefix(tokens)));
            } else if (c == '"') {
                tokens.add(quotedIdentifier());
            } else if (c == '$' && Character.isDigit(peek(1))) {
                int start = pos++;
                while (pos < n && Character.isDigit(sql.charAt(pos))) pos++;
                tokens.add(new Token(Token.Kind.PARAMETER, sql.substring(start, pos), start, pos));
            } else if (c == '$' && dollarTagEnd() > 0) {
                tokens.add(dollarString());
            } else if (isIdentifierStart(c)) {
                int start = pos;
                while (pos < n && isIdentifierPart(sql.charAt(pos))) pos++;
                tokens.add(new Token(Token.Kind.WORD, sql.substring(start, pos), start, pos));
            } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(peek(1)))) {
                tokens.add(number());
            } else {
                tokens.add(new Token(Token.Kind.SYMBOL, String.valueOf(c), pos, pos + 1));
                pos++;
            }
        }
        return tokens;
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < sql.length() ? sql.charAt(i) : '\0';
    }

    private void skipBlockComment() {
        int start = pos;
        int depth = 0;
        while (pos < sql.length()) {
            if (sql.startsWith("/*", pos)) {
                depth++;
                pos += 2;
            } else if (sql.startsWith("*/", pos)) {
                depth--;
                pos += 2;
                if (depth == 0) return;
            } else {
                pos++;
            }
        }
        throw new SqlSyntaxException("unterminated /* comment starting at " + describe(start) + "; close it with */");
    }

    // E'..' strings treat backslash as an escape, so \' does not end them.
    private static boolean isEscapeStringPrefix(List<Token> tokens) {
        if (tokens.isEmpty()) return false;
        Token last = tokens.getLast();
        return last.kind() == Token.Kind.WORD && last.text().equalsIgnoreCase("e");
    }

    private Token string(int start, boolean backslashEscapes) {
        pos++;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (backslashEscapes && c == '\\') {
                pos += 2;
            } else if (c == '\'') {
                if (peek(1) == '\'') {
                    pos += 2;
                } else {
                    pos++;
                    return new Token(Token.Kind.STRING, sql.substring(start, pos), start, pos);
                }
            } else {
                pos++;
            }
        }
        throw new SqlSyntaxException("unterminated string literal starting at " + describe(start) + "; close the quote");
    }

    private Token quotedIdentifier() {
        int start = pos++;
        while (pos < sql.length()) {
            if (sql.charAt(pos) == '"') {
                if (peek(1) == '"') {
                    pos += 2;
                } else {
                    pos++;
                    return new Token(Token.Kind.QUOTED_IDENTIFIER, sql.substring(start, pos), start, pos);
                }
            } else {
                pos++;
            }
        }
        throw new SqlSyntaxException("unterminated quoted identifier starting at " + describe(start) + "; close the \"");
    }

    /** Index just after the closing $ of a tag like $body$ starting at pos, or -1. */
    private int dollarTagEnd() {
        int i = pos + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '$') return i + 1;
            if (!(Character.isLetterOrDigit(c) || c == '_') || (i == pos + 1 && Character.isDigit(c))) return -1;
            i++;
        }
        return -1;
    }

    private Token dollarString() {
        int start = pos;
        int tagEnd = dollarTagEnd();
        String tag = sql.substring(pos, tagEnd);
        int close = sql.indexOf(tag, tagEnd);
        if (close < 0) {
            throw new SqlSyntaxException("unterminated dollar-quoted string " + tag + " starting at " + describe(start)
                    + "; close it with " + tag);
        }
        pos = close + tag.length();
        return new Token(Token.Kind.DOLLAR_STRING, sql.substring(start, pos), start, pos);
    }

    private Token number() {
        int start = pos;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            boolean exponentSign = (c == '+' || c == '-') && pos > start
                    && (sql.charAt(pos - 1) == 'e' || sql.charAt(pos - 1) == 'E');
            if (Character.isLetterOrDigit(c) || c == '.' || c == '_' || exponentSign) {
                pos++;
            } else {
                break;
            }
        }
        return new Token(Token.Kind.NUMBER, sql.substring(start, pos), start, pos);
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private String describe(int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < sql.length(); i++) if (sql.charAt(i) == '\n') line++;
        return "line " + line;
    }
}
