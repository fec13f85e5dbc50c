package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlNormalizer;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.ArrayList;
import java.util.List;

/** Reads types/: one CREATE TYPE ... AS ENUM, CREATE TYPE ... AS (...) or CREATE DOMAIN per file. */
final class TypeParser {

    private TypeParser() {
    }

    static TypeSpec parse(BundleFile file) {
        List<SqlStatement> statements = SqlScript.split(file.sql());
        TypeSpec found = null;
        for (SqlStatement s : statements) {
            TypeSpec spec = null;
            if (s.startsWith("create", "type")) spec = createType(file, s, statements);
            else if (s.startsWith("create", "domain")) spec = domain(file, s, statements);
            if (spec == null) continue;
            if (found != null) {
                throw ParseErrors.in(file, s, "defines a second type (" + spec.name() + " after " + found.name()
                        + "); put each type in its own file so each is tracked by its own checksum");
            }
            found = spec;
        }
        if (found == null) {
            throw ParseErrors.in(file, "has no CREATE TYPE or CREATE DOMAIN statement; types/ holds ENUM, composite and domain types");
        }
        return found;
    }

    private static TypeSpec createType(BundleFile file, SqlStatement s, List<SqlStatement> all) {
        List<Token> t = s.tokens();
        Tokens.QualifiedName name = Tokens.qualifiedName(t, 2);
        if (name == null || name.next() >= t.size() || !t.get(name.next()).isWord("as")) {
            throw ParseErrors.in(file, s, "only ENUM, composite (AS (...)) and domain types are supported here; "
                    + "create other kinds of type in a migration");
        }
        int after = name.next() + 1;
        if (after < t.size() && t.get(after).isWord("enum")) {
            return new TypeSpec(name.name(), TypeSpec.Kind.ENUM, enumLabels(file, s, after + 1), checksum(file), file, all);
        }
        if (after < t.size() && t.get(after).isSymbol("(")) {
            return new TypeSpec(name.name(), TypeSpec.Kind.COMPOSITE, List.of(), checksum(file), file, all);
        }
        throw ParseErrors.in(file, s, "only ENUM, composite (AS (...)) and domain types are supported here; "
                + "create range and base types in a migration");
    }

    private static List<String> enumLabels(BundleFile file, SqlStatement s, int open) {
        List<Token> t = s.tokens();
        int close = open < t.size() && t.get(open).isSymbol("(") ? Tokens.closingParen(t, open) : -1;
        if (close < 0) throw ParseErrors.in(file, s, "ENUM needs a parenthesised list of labels");
        List<String> labels = new ArrayList<>();
        for (List<Token> part : Tokens.splitTopLevel(t.subList(open + 1, close), ",")) {
            if (part.size() != 1 || part.getFirst().kind() != Token.Kind.STRING) {
                throw ParseErrors.in(file, s, "ENUM labels must be plain string literals, found " + Tokens.text(part));
            }
            labels.add(part.getFirst().stringValue());
        }
        return labels;
    }

    private static TypeSpec domain(BundleFile file, SqlStatement s, List<SqlStatement> all) {
        Tokens.QualifiedName name = Tokens.qualifiedName(s.tokens(), 2);
        if (name == null) throw ParseErrors.in(file, s, "CREATE DOMAIN needs a name");
        return new TypeSpec(name.name(), TypeSpec.Kind.DOMAIN, List.of(), checksum(file), file, all);
    }

    private static String checksum(BundleFile file) {
        return SqlNormalizer.checksum(file.sql());
    }
}
