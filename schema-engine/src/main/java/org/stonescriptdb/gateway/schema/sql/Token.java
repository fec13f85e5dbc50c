package org.stonescriptdb.gateway.schema.sql;

import java.util.Locale;

/**
 * One lexical token of a SQL text. {@code start}/{@code end} index the original text so statements can be
 * cut out verbatim; {@code text} is the token exactly as written.
 */
public record Token(Kind kind, String text, int start, int end) {

    public enum Kind {
        /** An unquoted identifier or keyword: case-insensitive in PostgreSQL. */
        WORD,
        /** A double-quoted identifier: case and content significant. */
        QUOTED_IDENTIFIER,
        /** A single-quoted string, including E'..', B'..', X'..' and U&'..' forms (prefix is a separate WORD). */
        STRING,
        /** A dollar-quoted string; {@link #dollarBody()} gives the content without the tags. */
        DOLLAR_STRING,
        NUMBER,
        /** A positional parameter such as {@code $1}. */
        PARAMETER,
        /** Any other single character: punctuation and operator characters. */
        SYMBOL
    }

    public boolean isWord(String word) {
        return kind == Kind.WORD && text.equalsIgnoreCase(word);
    }

    public boolean isSymbol(String symbol) {
        return kind == Kind.SYMBOL && text.equals(symbol);
    }

    /** The identifier this token names: unquoted words fold to lower case, quoted ones keep their case. */
    public String identifier() {
        return switch (kind) {
            case WORD -> text.toLowerCase(Locale.ROOT);
            case QUOTED_IDENTIFIER -> text.substring(1, text.length() - 1).replace("\"\"", "\"");
            default -> text;
        };
    }

    public String dollarBody() {
        if (kind != Kind.DOLLAR_STRING) throw new IllegalStateException("not a dollar-quoted string: " + text);
        int tagEnd = text.indexOf('$', 1) + 1;
        return text.substring(tagEnd, text.length() - tagEnd);
    }

    /** The value of a plain single-quoted string ('it''s' → it's). */
    public String stringValue() {
        if (kind != Kind.STRING) throw new IllegalStateException("not a string literal: " + text);
        return text.substring(1, text.length() - 1).replace("''", "'");
    }
}
