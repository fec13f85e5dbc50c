package org.stonescriptdb.gateway.schema.sql;

import java.util.ArrayList;
import java.util.List;

/** Small structural helpers over token lists: parentheses, top-level splits, qualified names. */
public final class Tokens {

    private Tokens() {
    }

    /** Index of the ")" matching the "(" at {@code open}, or -1 when unbalanced. */
    public static int closingParen(List<Token> tokens, int open) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.isSymbol("(") || t.isSymbol("[")) depth++;
            else if (t.isSymbol(")") || t.isSymbol("]")) {
                depth--;
                if (depth == 0) return i;
            }
        }
        return -1;
    }

    /** Splits at {@code separator} symbols that are not nested in parentheses or brackets. */
    public static List<List<Token>> splitTopLevel(List<Token> tokens, String separator) {
        List<List<Token>> parts = new ArrayList<>();
        int depth = 0;
        int first = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.isSymbol("(") || t.isSymbol("[")) depth++;
            else if (t.isSymbol(")") || t.isSymbol("]")) depth--;
            else if (depth == 0 && t.isSymbol(separator)) {
                parts.add(tokens.subList(first, i));
                first = i + 1;
            }
        }
        if (first < tokens.size()) parts.add(tokens.subList(first, tokens.size()));
        return parts;
    }

    /** The tokens as readable text: words joined by spaces, no space around "(", ")", ",", "." and "[]". */
    public static String text(List<Token> tokens) {
        StringBuilder s = new StringBuilder();
        Token previous = null;
        for (Token t : tokens) {
            boolean glue = previous == null || t.isSymbol(")") || t.isSymbol(",") || t.isSymbol(".")
                    || t.isSymbol("(") || t.isSymbol("[") || t.isSymbol("]")
                    || previous.isSymbol("(") || previous.isSymbol(".") || previous.isSymbol("[")
                    || (t.isSymbol(":") || previous.isSymbol(":"));
            if (!glue) s.append(' ');
            s.append(t.text());
            previous = t;
        }
        return s.toString();
    }

    /**
     * Reads {@code name} or {@code schema.name} starting at {@code index}. Returns the name (the public schema
     * left off, since that is where unqualified objects live) and the index after it, or null.
     */
    public static QualifiedName qualifiedName(List<Token> tokens, int index) {
        if (index >= tokens.size() || !isName(tokens.get(index))) return null;
        String first = tokens.get(index).identifier();
        if (index + 2 < tokens.size() && tokens.get(index + 1).isSymbol(".") && isName(tokens.get(index + 2))) {
            String second = tokens.get(index + 2).identifier();
            return new QualifiedName(first.equals("public") ? second : first + "." + second, index + 3);
        }
        return new QualifiedName(first, index + 1);
    }

    public static boolean isName(Token t) {
        return t.kind() == Token.Kind.WORD || t.kind() == Token.Kind.QUOTED_IDENTIFIER;
    }

    public static int indexOfWord(List<Token> tokens, String word, int from) {
        for (int i = from; i < tokens.size(); i++) if (tokens.get(i).isWord(word)) return i;
        return -1;
    }

    public record QualifiedName(String name, int next) {
    }
}
