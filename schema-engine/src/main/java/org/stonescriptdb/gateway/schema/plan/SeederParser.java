package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlNormalizer;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads seeders/: INSERT INTO table (columns) VALUES (...), (...) statements, whose rows later deploys
 * verify. Other statements (e.g. SELECT setval(...)) run with the seeder but are not verified.
 */
final class SeederParser {

    private SeederParser() {
    }

    static SeederSpec parse(BundleFile file) {
        List<SqlStatement> statements = SqlScript.split(file.sql());
        List<SeedInsert> inserts = new ArrayList<>();
        for (SqlStatement s : statements) {
            if (s.startsWith("insert", "into")) inserts.add(insert(file, s));
        }
        if (inserts.isEmpty()) {
            throw ParseErrors.in(file, "has no INSERT INTO ... VALUES statement; a seeder inserts the rows a database starts with");
        }
        String name = file.name().substring(0, file.name().lastIndexOf('.'));
        return new SeederSpec(name, SqlNormalizer.checksum(file.sql()), inserts, file, statements);
    }

    private static SeedInsert insert(BundleFile file, SqlStatement s) {
        List<Token> t = s.tokens();
        Tokens.QualifiedName table = Tokens.qualifiedName(t, 2);
        if (table == null) throw ParseErrors.in(file, s, "INSERT INTO needs a table name");
        int i = table.next();
        if (i < t.size() && t.get(i).isWord("as")) i += 2;
        if (i >= t.size() || !t.get(i).isSymbol("(")) {
            throw ParseErrors.in(file, s, "list the columns (INSERT INTO " + table.name()
                    + " (col, ...) VALUES ...) so seeded rows can be matched by primary key");
        }
        int close = Tokens.closingParen(t, i);
        List<String> columns = new ArrayList<>();
        for (List<Token> c : Tokens.splitTopLevel(t.subList(i + 1, close), ",")) columns.add(c.getFirst().identifier());
        i = close + 1;
        if (i >= t.size() || !t.get(i).isWord("values")) {
            throw ParseErrors.in(file, s, "seeders insert literal rows with VALUES; INSERT ... SELECT belongs in a migration");
        }
        i++;
        List<List<String>> rows = new ArrayList<>();
        while (i < t.size() && t.get(i).isSymbol("(")) {
            int end = Tokens.closingParen(t, i);
            if (end < 0) throw ParseErrors.in(file, s, "a VALUES row's parenthesis is never closed");
            List<String> row = new ArrayList<>();
            for (List<Token> v : Tokens.splitTopLevel(t.subList(i + 1, end), ",")) {
                row.add(file.sql().substring(v.getFirst().start(), v.getLast().end()));
            }
            if (row.size() != columns.size()) {
                throw ParseErrors.in(file, s, "a VALUES row has " + row.size() + " values for " + columns.size() + " columns");
            }
            rows.add(row);
            i = end + 1;
            if (i < t.size() && t.get(i).isSymbol(",")) i++;
        }
        return new SeedInsert(table.name(), columns, rows);
    }
}
