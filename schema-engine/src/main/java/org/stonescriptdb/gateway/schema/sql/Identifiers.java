package org.stonescriptdb.gateway.schema.sql;

/** Quoting for names and literals the engine writes into generated SQL. */
public final class Identifiers {

    private Identifiers() {
    }

    /** {@code patients} → {@code "patients"}, {@code billing.invoices} → {@code "billing"."invoices"}. */
    public static String quote(String name) {
        int dot = name.indexOf('.');
        if (dot > 0) return quoteOne(name.substring(0, dot)) + "." + quoteOne(name.substring(dot + 1));
        return quoteOne(name);
    }

    private static String quoteOne(String part) {
        return "\"" + part.replace("\"", "\"\"") + "\"";
    }

    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
