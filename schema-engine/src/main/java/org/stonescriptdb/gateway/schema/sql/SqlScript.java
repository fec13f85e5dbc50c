package org.stonescriptdb.gateway.schema.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a file into statements at top-level semicolons. Semicolons inside literals, dollar quotes and
 * SQL-standard {@code BEGIN ATOMIC ... END} function bodies do not split.
 */
public final class SqlScript {

    private SqlScript() {
    }

    public static List<SqlStatement> split(String sql) {
        List<Token> tokens = SqlLexer.tokenize(sql);
        List<SqlStatement> statements = new ArrayList<>();
        int first = 0;
        int atomicDepth = 0;
        int parenDepth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            // CREATE RULE ... DO (a; b) keeps its semicolons inside parentheses.
            if (t.isSymbol("(")) parenDepth++;
            else if (t.isSymbol(")")) parenDepth = Math.max(0, parenDepth - 1);
            if (t.isWord("atomic") && i > first && tokens.get(i - 1).isWord("begin") && atomicDepth == 0) {
                atomicDepth = 1;
            } else if (atomicDepth > 0 && (t.isWord("begin") || t.isWord("case"))) {
                atomicDepth++;
            } else if (atomicDepth > 0 && t.isWord("end")) {
                atomicDepth--;
            } else if (atomicDepth == 0 && parenDepth == 0 && t.isSymbol(";")) {
                add(sql, tokens.subList(first, i), statements);
                first = i + 1;
            }
        }
        add(sql, tokens.subList(first, tokens.size()), statements);
        return statements;
    }

    private static void add(String sql, List<Token> tokens, List<SqlStatement> out) {
        if (tokens.isEmpty()) return;
        String text = sql.substring(tokens.getFirst().start(), tokens.getLast().end());
        out.add(new SqlStatement(text, tokens));
    }
}
