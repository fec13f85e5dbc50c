package org.stonescriptdb.gateway.schema.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The canonical form behind every checksum: tokens joined by one space, comments gone, unquoted words in
 * lower case. String literals and quoted identifiers stay byte for byte, because changing them changes
 * behaviour ('Hello' is not 'hello'). A dollar-quoted string at statement level is a routine or DO body,
 * so its content is normalised the same way; dollar quotes nested inside a body are literals and stay.
 */
public final class SqlNormalizer {

    private SqlNormalizer() {
    }

    public static String normalize(String sql) {
        return normalize(SqlLexer.tokenize(sql), 0);
    }

    public static String normalize(List<Token> tokens) {
        return normalize(tokens, 0);
    }

    private static String normalize(List<Token> tokens, int depth) {
        boolean sqlBodies = depth == 0 && bodiesAreSql(tokens);
        StringBuilder out = new StringBuilder();
        for (Token t : tokens) {
            if (!out.isEmpty()) out.append(' ');
            switch (t.kind()) {
                case WORD -> out.append(t.identifier());
                case DOLLAR_STRING -> {
                    if (sqlBodies) {
                        out.append("$$ ").append(normalizeBody(t.dollarBody())).append(" $$");
                    } else {
                        out.append("$$").append(t.dollarBody()).append("$$");
                    }
                }
                default -> out.append(t.text());
            }
        }
        return out.toString();
    }

    /**
     * Only SQL and PL/pgSQL bodies may be normalised: in PL/Python, say, indentation is code. A statement
     * without LANGUAGE (a DO block, a SQL-standard body) is one of the two.
     */
    private static boolean bodiesAreSql(List<Token> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isWord("language")) {
                Token lang = tokens.get(i + 1);
                String name = lang.kind() == Token.Kind.STRING ? lang.stringValue().toLowerCase(Locale.ROOT)
                        : lang.identifier();
                return name.equals("sql") || name.equals("plpgsql");
            }
        }
        return true;
    }

    // A body in another language may not lex as SQL; then only its exact text can be compared.
    private static String normalizeBody(String body) {
        try {
            return normalize(SqlLexer.tokenize(body), 1);
        } catch (SqlSyntaxException notSql) {
            return body;
        }
    }

    /** SHA-256 of the normalised text, in hex. */
    public static String checksum(String sql) {
        return sha256(normalize(sql));
    }

    public static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }
}
