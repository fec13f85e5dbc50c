package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.sql.Token;

import java.util.List;

/** Where the table name of an {@code ALTER TABLE [IF EXISTS] [ONLY] name ...} statement starts. */
final class AlterTable {

    private AlterTable() {
    }

    /** Index of the table name, or -1 when the tokens are not an ALTER TABLE statement. */
    static int nameIndex(List<Token> t) {
        if (t.size() < 3 || !t.get(0).isWord("alter") || !t.get(1).isWord("table")) return -1;
        int i = 2;
        if (i + 1 < t.size() && t.get(i).isWord("if") && t.get(i + 1).isWord("exists")) i += 2;
        if (i < t.size() && t.get(i).isWord("only")) i++;
        return i < t.size() ? i : -1;
    }
}
