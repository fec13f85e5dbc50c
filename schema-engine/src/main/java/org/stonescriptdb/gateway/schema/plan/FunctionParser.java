package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlNormalizer;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.TypeNames;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads functions/: every statement must be CREATE [OR REPLACE] FUNCTION or PROCEDURE (one file may hold
 * overloads). Works out each routine's identity the way PostgreSQL does — name plus input argument types,
 * aliases resolved, names, defaults and type modifiers ignored.
 */
final class FunctionParser {

    private static final Set<String> MODES = Set.of("in", "out", "inout", "variadic");

    /** Words that may follow the RETURNS clause and so end it. */
    private static final Set<String> AFTER_RETURNS = Set.of("as", "language", "immutable", "stable", "volatile",
            "strict", "called", "security", "external", "parallel", "cost", "rows", "support", "set", "window",
            "leakproof", "not", "begin", "return", "transform");

    /** First words of types spelled with two or more words, so "double precision" is not read as name + type. */
    private static final Set<String> MULTI_WORD_TYPE_STARTS = Set.of("double", "character", "bit", "national",
            "timestamp", "time", "interval");

    private FunctionParser() {
    }

    static List<FunctionSpec> parse(BundleFile file) {
        return parse(file, reference -> null);
    }

    /**
     * @param columnTypes resolves {@code table.column} (for {@code table.column%TYPE} arguments) to the
     *                    column's canonical type, or null when unknown; PostgreSQL identifies the routine by
     *                    the resolved type, so the engine must too
     */
    static List<FunctionSpec> parse(BundleFile file, Function<String, String> columnTypes) {
        List<FunctionSpec> specs = new ArrayList<>();
        for (SqlStatement s : SqlScript.split(file.sql())) specs.add(routine(file, s, columnTypes));
        if (specs.isEmpty()) throw ParseErrors.in(file, "is empty; remove it or add a CREATE FUNCTION");
        return specs;
    }

    private static FunctionSpec routine(BundleFile file, SqlStatement s, Function<String, String> columnTypes) {
        List<Token> t = s.tokens();
        int i = 1;
        if (!t.getFirst().isWord("create")) i = -1;
        else if (t.size() > 3 && t.get(1).isWord("or") && t.get(2).isWord("replace")) i = 3;
        if (i < 0 || i >= t.size() || !(t.get(i).isWord("function") || t.get(i).isWord("procedure"))) {
            throw ParseErrors.in(file, s, "is not CREATE FUNCTION or CREATE PROCEDURE; functions/ holds routines only, "
                    + "put triggers, grants and other statements in a migration");
        }
        String kind = t.get(i).identifier();
        int kindIndex = i;
        Tokens.QualifiedName name = Tokens.qualifiedName(t, i + 1);
        if (name == null || name.next() >= t.size() || !t.get(name.next()).isSymbol("(")) {
            throw ParseErrors.in(file, s, "expected " + kind + " name ( arguments )");
        }
        int close = Tokens.closingParen(t, name.next());
        if (close < 0) throw ParseErrors.in(file, s, "the argument list's parenthesis is never closed");

        List<String> identityTypes = new ArrayList<>();
        List<String> headerArgs = new ArrayList<>();
        List<List<Token>> args = Tokens.splitTopLevel(t.subList(name.next() + 1, close), ",");
        for (List<Token> arg : args) {
            if (arg.isEmpty()) throw ParseErrors.in(file, s, "has an empty argument (a stray comma?)");
            Argument a = argument(arg);
            String type = argumentType(file, s, a.type(), columnTypes);
            headerArgs.add(a.mode() + " " + a.name() + " " + type
                    + (a.defaultValue().isEmpty() ? "" : " default " + SqlNormalizer.normalize(a.defaultValue())));
            boolean input = !a.mode().equals("out") || kind.equals("procedure");
            if (input) identityTypes.add(type);
        }
        String returns = kind.equals("function") ? returnType(file, s, close + 1) : "";
        String signature = name.name() + "(" + String.join(",", identityTypes) + ")";
        String header = kind + " " + signature + " (" + String.join(", ", headerArgs) + ") returns " + returns;

        String text = s.text();
        int fromKind = t.get(kindIndex).start() - t.getFirst().start();
        String createSql = "CREATE OR REPLACE " + text.substring(fromKind);
        return new FunctionSpec(kind, name.name(), signature, header, SqlNormalizer.sha256(SqlNormalizer.normalize(t)),
                file, s, createSql);
    }

    private static String argumentType(BundleFile file, SqlStatement s, String written, Function<String, String> columnTypes) {
        String lower = written.toLowerCase(Locale.ROOT).replace(" ", "");
        if (!lower.endsWith("%type")) return TypeNames.canonical(written, false);
        String column = lower.substring(0, lower.length() - "%type".length());
        if (column.startsWith("public.")) column = column.substring("public.".length());
        String resolved = columnTypes.apply(column);
        if (resolved == null) {
            throw ParseErrors.in(file, s, "argument type " + written.replace(" ", "") + " refers to a column not declared in tables/; "
                    + "write the type itself so the routine's identity is known before deploying");
        }
        return TypeNames.canonical(resolved, false);
    }

    private record Argument(String mode, String name, String type, List<Token> defaultValue) {
    }

    private static Argument argument(List<Token> arg) {
        int i = 0;
        String mode = "in";
        if (arg.size() > 1 && arg.getFirst().kind() == Token.Kind.WORD && MODES.contains(arg.getFirst().identifier())) {
            mode = arg.getFirst().identifier();
            i = 1;
        }
        int end = arg.size();
        List<Token> defaultValue = List.of();
        for (int k = i; k < arg.size(); k++) {
            if (arg.get(k).isWord("default") || arg.get(k).isSymbol("=")) {
                end = k;
                defaultValue = arg.subList(k + 1, arg.size());
                break;
            }
        }
        List<Token> rest = arg.subList(i, end);
        String name = "";
        if (rest.size() >= 2 && Tokens.isName(rest.get(0)) && !startsType(rest)) {
            name = rest.getFirst().identifier();
            rest = rest.subList(1, rest.size());
        }
        return new Argument(mode, name, Tokens.text(rest), defaultValue);
    }

    /** True when the tokens read as a type on their own, with no argument name in front. */
    private static boolean startsType(List<Token> rest) {
        Token second = rest.get(1);
        if (second.isSymbol("(") || second.isSymbol("[") || second.isSymbol(".") || second.isSymbol("%")) return true;
        String first = rest.getFirst().identifier();
        if (!MULTI_WORD_TYPE_STARTS.contains(first)) return false;
        String next = second.identifier();
        return switch (first) {
            case "double" -> next.equals("precision");
            case "character", "bit", "national" -> next.equals("varying") || next.equals("character");
            case "timestamp", "time" -> next.equals("with") || next.equals("without");
            default -> false;
        };
    }

    private static String returnType(BundleFile file, SqlStatement s, int from) {
        List<Token> t = s.tokens();
        int r = Tokens.indexOfWord(t, "returns", from);
        if (r != from) {
            // Only a function with OUT arguments may omit RETURNS; its result is then defined by those.
            return "(out arguments)";
        }
        int i = r + 1;
        if (i < t.size() && t.get(i).isWord("table") && i + 1 < t.size() && t.get(i + 1).isSymbol("(")) {
            int close = Tokens.closingParen(t, i + 1);
            if (close < 0) throw ParseErrors.in(file, s, "RETURNS TABLE ( is never closed");
            List<String> columns = new ArrayList<>();
            for (List<Token> col : Tokens.splitTopLevel(t.subList(i + 2, close), ",")) {
                columns.add(col.getFirst().identifier() + " " + TypeNames.canonical(Tokens.text(col.subList(1, col.size())), false));
            }
            return "table(" + String.join(", ", columns) + ")";
        }
        boolean setof = i < t.size() && t.get(i).isWord("setof");
        if (setof) i++;
        int end = i;
        while (end < t.size() && !(t.get(end).kind() == Token.Kind.WORD && AFTER_RETURNS.contains(t.get(end).identifier()))) {
            end++;
        }
        if (end == i) throw ParseErrors.in(file, s, "RETURNS has no type");
        return (setof ? "setof " : "") + TypeNames.canonical(Tokens.text(t.subList(i, end)), false);
    }
}
