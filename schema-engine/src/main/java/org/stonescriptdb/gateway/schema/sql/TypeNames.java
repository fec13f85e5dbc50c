package org.stonescriptdb.gateway.schema.sql;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spells a type the way PostgreSQL's {@code format_type()} does, so a type written in a bundle
 * ({@code int}, {@code varchar(20)}, {@code timestamptz}) compares equal to what the catalog reports
 * ({@code integer}, {@code character varying(20)}, {@code timestamp with time zone}).
 */
public final class TypeNames {

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("int", "integer"), Map.entry("int4", "integer"), Map.entry("integer", "integer"),
            Map.entry("serial", "integer"), Map.entry("serial4", "integer"),
            Map.entry("int8", "bigint"), Map.entry("bigserial", "bigint"), Map.entry("serial8", "bigint"),
            Map.entry("int2", "smallint"), Map.entry("smallserial", "smallint"), Map.entry("serial2", "smallint"),
            Map.entry("bool", "boolean"),
            Map.entry("float8", "double precision"), Map.entry("float", "double precision"),
            Map.entry("float4", "real"),
            Map.entry("decimal", "numeric"),
            Map.entry("varchar", "character varying"), Map.entry("char", "character"),
            Map.entry("bpchar", "character"), Map.entry("varbit", "bit varying"),
            Map.entry("timestamptz", "timestamp with time zone"), Map.entry("timestamp", "timestamp without time zone"),
            Map.entry("timetz", "time with time zone"), Map.entry("time", "time without time zone"));

    private static final Pattern SHAPE = Pattern.compile(
            "^(?<base>.*?)\\s*(?<mod>\\(\\s*[^()]*\\))?\\s*(?<tz>with(?:out)? time zone)?\\s*(?<array>(\\[\\s*\\d*\\s*])*)$");

    private TypeNames() {
    }

    /** Canonical spelling with its type modifier, as a column type: {@code varchar(20)} → {@code character varying(20)}. */
    public static String canonical(String type) {
        return canonical(type, true);
    }

    /**
     * Canonical spelling. {@code keepModifier=false} drops the length/precision, which is how PostgreSQL
     * identifies a routine argument ({@code f(varchar(10))} is {@code f(character varying)}).
     */
    public static String canonical(String type, boolean keepModifier) {
        String t = type.trim().replaceAll("\\s+", " ");
        if (!t.contains("\"")) t = t.toLowerCase(Locale.ROOT);
        t = t.replaceAll("\\s*\\(\\s*", "(").replaceAll("\\s*,\\s*", ",").replaceAll("\\s*\\)", ")")
                .replaceAll("\\s*\\[", "[").replaceAll("\\[\\s*", "[").replaceAll("\\s*]", "]");
        if (t.startsWith("public.")) t = t.substring("public.".length());
        if (t.startsWith("pg_catalog.")) t = t.substring("pg_catalog.".length());
        Matcher m = SHAPE.matcher(t);
        if (!m.matches()) return t;
        String base = m.group("base").trim();
        String mod = m.group("mod") == null ? "" : m.group("mod").replace(" ", "");
        String tz = m.group("tz");
        // PostgreSQL ignores declared array sizes and dimensions: int[3][] is stored, and shown, as integer[].
        String array = m.group("array") == null || m.group("array").isEmpty() ? "" : "[]";
        // "timestamp(3) with time zone" keeps the modifier between base and zone, like format_type.
        if (tz != null) {
            String b = base.equals("timestamp") || base.equals("time") ? base : base.replaceAll(" with(out)? time zone$", "");
            return b + (keepModifier ? mod : "") + " " + tz + array;
        }
        if (base.equals("timestamp") || base.equals("time")) {
            return base + (keepModifier ? mod : "") + " without time zone" + array;
        }
        if (base.equals("timestamptz") || base.equals("timetz")) {
            return base.substring(0, base.length() - 2) + (keepModifier ? mod : "") + " with time zone" + array;
        }
        String canonicalBase = switch (base) {
            case "double precision", "character varying", "bit varying", "national character varying" ->
                    base.startsWith("national ") ? "character varying" : base;
            case "national character" -> "character";
            default -> ALIASES.getOrDefault(base, base);
        };
        // "char" without a length is char(1) in PostgreSQL, and format_type says so; numeric(p) is numeric(p,0).
        if (canonicalBase.equals("character") && mod.isEmpty() && keepModifier) mod = "(1)";
        if (canonicalBase.equals("numeric") && mod.matches("\\(\\d+\\)")) mod = mod.replace(")", ",0)");
        return canonicalBase + (keepModifier ? mod : "") + array;
    }

    /** True for serial types, which imply a default (a sequence) and NOT NULL. */
    public static boolean isSerial(String type) {
        String t = type.trim().toLowerCase(Locale.ROOT);
        return t.equals("serial") || t.equals("bigserial") || t.equals("smallserial")
                || t.equals("serial2") || t.equals("serial4") || t.equals("serial8");
    }
}
