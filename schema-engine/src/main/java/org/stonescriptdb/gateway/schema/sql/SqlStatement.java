package org.stonescriptdb.gateway.schema.sql;

import java.util.List;

/** One statement of a file: its verbatim text (without the terminating semicolon) and its tokens. */
public record SqlStatement(String text, List<Token> tokens) {

    public SqlStatement {
        tokens = List.copyOf(tokens);
    }

    /** True when the statement starts with the given words, e.g. {@code startsWith("CREATE", "TABLE")}. */
    public boolean startsWith(String... words) {
        if (tokens.size() < words.length) return false;
        for (int i = 0; i < words.length; i++) if (!tokens.get(i).isWord(words[i])) return false;
        return true;
    }
}
