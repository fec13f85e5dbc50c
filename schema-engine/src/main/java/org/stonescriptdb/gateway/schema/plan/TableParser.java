package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlNormalizer;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.TypeNames;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads tables/: exactly one CREATE TABLE per file, optionally followed by statements that belong to a new
 * table (CREATE INDEX, COMMENT ON). Every REFERENCES in the file is a dependency for creation order.
 */
final class TableParser {

    /** Words that end a column's type and start its constraints. */
    private static final Set<String> CONSTRAINT_WORDS = Set.of("constraint", "not", "null", "default", "primary",
            "references", "unique", "check", "generated", "collate");

    private TableParser() {
    }

    static TableSpec parse(BundleFile file) {
        List<SqlStatement> statements = SqlScript.split(file.sql());
        SqlStatement create = null;
        for (SqlStatement s : statements) {
            if (createTableNameIndex(s) < 0) continue;
            if (create != null) {
                throw ParseErrors.in(file, s, "has a second CREATE TABLE; put each table in its own file");
            }
            create = s;
        }
        if (create == null) throw ParseErrors.in(file, "has no CREATE TABLE statement; tables/ holds one table per file");
        if (statements.getFirst() != create) {
            throw ParseErrors.in(file, statements.getFirst(), "must start with its CREATE TABLE statement");
        }

        List<Token> t = create.tokens();
        Tokens.QualifiedName name = Tokens.qualifiedName(t, createTableNameIndex(create));
        if (name == null || name.next() >= t.size() || !t.get(name.next()).isSymbol("(")) {
            throw ParseErrors.in(file, create, "expected CREATE TABLE name ( columns ); "
                    + "CREATE TABLE ... AS and PARTITION OF belong in a migration");
        }
        int close = Tokens.closingParen(t, name.next());
        if (close < 0) throw ParseErrors.in(file, create, "the column list's parenthesis is never closed");

        List<ColumnSpec> columns = new ArrayList<>();
        List<String> primaryKey = new ArrayList<>();
        for (List<Token> element : Tokens.splitTopLevel(t.subList(name.next() + 1, close), ",")) {
            if (element.isEmpty()) throw ParseErrors.in(file, create, "has an empty column definition (a stray comma?)");
            Token first = element.getFirst();
            if (first.isWord("constraint") || first.isWord("primary") || first.isWord("foreign")
                    || first.isWord("unique") || first.isWord("check") || first.isWord("exclude")) {
                tableConstraint(element, primaryKey);
            } else if (first.isWord("like")) {
                throw ParseErrors.in(file, create, "LIKE cannot be diffed column by column; list the columns");
            } else {
                columns.add(column(file, element, primaryKey));
            }
        }
        // A table-level PRIMARY KEY makes its columns NOT NULL, as PostgreSQL does.
        columns.replaceAll(c -> primaryKey.contains(c.name()) && !c.notNull()
                ? new ColumnSpec(c.name(), c.type(), true, c.hasDefault(), c.definition()) : c);

        Set<String> references = new LinkedHashSet<>();
        for (SqlStatement s : statements) {
            List<Token> st = s.tokens();
            for (int i = 0; i < st.size(); i++) {
                if (!st.get(i).isWord("references")) continue;
                Tokens.QualifiedName target = Tokens.qualifiedName(st, i + 1);
                if (target != null && !target.name().equals(name.name())) references.add(target.name());
            }
        }
        return new TableSpec(name.name(), columns, primaryKey, references, SqlNormalizer.checksum(file.sql()), file,
                statements);
    }

    /** Index of the table name in CREATE [UNLOGGED|TEMP] TABLE [IF NOT EXISTS] name, or -1. */
    private static int createTableNameIndex(SqlStatement s) {
        List<Token> t = s.tokens();
        if (t.isEmpty() || !t.getFirst().isWord("create")) return -1;
        int i = 1;
        if (i < t.size() && t.get(i).isWord("unlogged")) i++;
        if (i >= t.size() || !t.get(i).isWord("table")) return -1;
        i++;
        if (i + 2 < t.size() && t.get(i).isWord("if") && t.get(i + 1).isWord("not") && t.get(i + 2).isWord("exists")) i += 3;
        return i;
    }

    private static void tableConstraint(List<Token> element, List<String> primaryKey) {
        int p = Tokens.indexOfWord(element, "primary", 0);
        if (p < 0 || p + 2 >= element.size() || !element.get(p + 1).isWord("key") || !element.get(p + 2).isSymbol("(")) {
            return;
        }
        int close = Tokens.closingParen(element, p + 2);
        for (List<Token> col : Tokens.splitTopLevel(element.subList(p + 3, close), ",")) {
            if (!col.isEmpty()) primaryKey.add(col.getFirst().identifier());
        }
    }

    private static ColumnSpec column(BundleFile file, List<Token> element, List<String> primaryKey) {
        String name = element.getFirst().identifier();
        int typeEnd = 1;
        while (typeEnd < element.size()) {
            Token tk = element.get(typeEnd);
            if (tk.kind() == Token.Kind.WORD && CONSTRAINT_WORDS.contains(tk.identifier())) break;
            typeEnd++;
        }
        if (typeEnd == 1) throw ParseErrors.in(file, "column '" + name + "' has no type");
        String writtenType = Tokens.text(element.subList(1, typeEnd));
        boolean serial = TypeNames.isSerial(writtenType);
        boolean notNull = serial;
        boolean hasDefault = serial;
        for (int i = typeEnd; i < element.size(); i++) {
            Token tk = element.get(i);
            if (tk.isWord("not") && i + 1 < element.size() && element.get(i + 1).isWord("null")) notNull = true;
            if (tk.isWord("default") || tk.isWord("generated")) hasDefault = true;
            // An identity column is NOT NULL by definition; a generated (stored) column is not.
            if (tk.isWord("identity")) notNull = true;
            if (tk.isWord("primary") && i + 1 < element.size() && element.get(i + 1).isWord("key")) {
                notNull = true;
                primaryKey.add(name);
            }
        }
        String definition = file.sql().substring(element.getFirst().start(), element.getLast().end());
        return new ColumnSpec(name, TypeNames.canonical(writtenType), notNull, hasDefault, definition);
    }
}
