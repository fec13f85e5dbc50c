package org.stonescriptdb.gateway.schema.diff;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Arrays;

/**
 * Classifies a column type change between two canonical type names (see TypeNames). Widening within a
 * family is safe, narrowing loses data, and crossing families is incompatible — including int → text,
 * which converts but changes what every query and index on the column means.
 */
public final class TypeChangeClassifier {

    private static final Pattern SHAPE = Pattern.compile("^(?<base>[^(\\[]+?)(\\((?<mod>[^)]*)\\))?(?<rest>( with(out)? time zone)?)(?<array>(\\[])*)$");

    private static final List<String> INTEGERS = List.of("smallint", "integer", "bigint");
    private static final List<String> FLOATS = List.of("real", "double precision");
    private static final List<String> STRINGS = List.of("character", "character varying", "text");
    private static final List<String> TIMES = List.of("date", "timestamp without time zone", "timestamp with time zone");

    /** Decimal digits each integer type can hold, to decide whether numeric(p,s) can take it. */
    private static final int[] INTEGER_DIGITS = {5, 10, 19};

    private TypeChangeClassifier() {
    }

    public static ChangeClass classify(String from, String to) {
        if (from.equals(to)) return ChangeClass.SAFE;
        Type a = Type.parse(from);
        Type b = Type.parse(to);
        if (a.arrayDims != b.arrayDims) return ChangeClass.INCOMPATIBLE;

        if (INTEGERS.contains(a.base) && INTEGERS.contains(b.base)) {
            return widenIf(INTEGERS.indexOf(b.base) >= INTEGERS.indexOf(a.base));
        }
        if (INTEGERS.contains(a.base) && b.base.equals("numeric")) {
            return widenIf(b.mods.isEmpty() || b.mods.get(0) - scale(b) >= INTEGER_DIGITS[INTEGERS.indexOf(a.base)]);
        }
        if (a.base.equals("numeric") && b.base.equals("numeric")) {
            if (b.mods.isEmpty()) return ChangeClass.SAFE;
            if (a.mods.isEmpty()) return ChangeClass.DATALOSS;
            return widenIf(scale(b) >= scale(a) && b.mods.get(0) - scale(b) >= a.mods.get(0) - scale(a));
        }
        if (FLOATS.contains(a.base) && FLOATS.contains(b.base)) {
            return widenIf(FLOATS.indexOf(b.base) >= FLOATS.indexOf(a.base));
        }
        if (isNumber(a.base) && isNumber(b.base)) return ChangeClass.DATALOSS;

        if (STRINGS.contains(a.base) && STRINGS.contains(b.base)) {
            if (b.base.equals("text") || (b.base.equals("character varying") && b.mods.isEmpty())) return ChangeClass.SAFE;
            if (a.base.equals("text") || a.mods.isEmpty()) return ChangeClass.DATALOSS;
            // char(n) → varchar(m) keeps every value when m ≥ n; varchar → char pads, a change of meaning.
            if (b.base.equals("character") && !a.base.equals("character")) return ChangeClass.DATALOSS;
            return widenIf(b.mods.get(0) >= a.mods.get(0));
        }
        if (TIMES.contains(a.base) && TIMES.contains(b.base)) {
            return widenIf(TIMES.indexOf(b.base) >= TIMES.indexOf(a.base) && precisionKept(a, b));
        }
        if (a.base.equals(b.base)) {
            // Same type, different modifier (bit(n), interval(p), time(p)...): a larger or no limit keeps data.
            return widenIf(precisionKept(a, b));
        }
        return ChangeClass.INCOMPATIBLE;
    }

    private static ChangeClass widenIf(boolean widening) {
        return widening ? ChangeClass.SAFE : ChangeClass.DATALOSS;
    }

    private static boolean precisionKept(Type a, Type b) {
        if (b.mods.isEmpty()) return true;
        if (a.mods.isEmpty()) return false;
        return b.mods.get(0) >= a.mods.get(0);
    }

    private static boolean isNumber(String base) {
        return INTEGERS.contains(base) || FLOATS.contains(base) || base.equals("numeric");
    }

    private static int scale(Type t) {
        return t.mods.size() > 1 ? t.mods.get(1) : 0;
    }

    private record Type(String base, List<Integer> mods, int arrayDims) {
        static Type parse(String canonical) {
            Matcher m = SHAPE.matcher(canonical);
            if (!m.matches()) return new Type(canonical, List.of(), 0);
            List<Integer> mods = List.of();
            if (m.group("mod") != null) {
                try {
                    mods = Arrays.stream(m.group("mod").split(",")).map(String::trim).map(Integer::parseInt).toList();
                } catch (NumberFormatException e) {
                    mods = List.of();
                }
            }
            String base = m.group("base").trim() + m.group("rest");
            int dims = m.group("array") == null ? 0 : m.group("array").length() / 2;
            return new Type(base, mods, dims);
        }
    }
}
