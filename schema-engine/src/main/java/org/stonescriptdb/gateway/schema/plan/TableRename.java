package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.List;
import java.util.Optional;

/**
 * {@code ALTER TABLE t RENAME [COLUMN] a TO b} ({@code column} = a) or {@code ALTER TABLE t RENAME TO b}
 * ({@code column} null): a rename a migration makes, so the deploy can tell when tables/ already declares its result.
 */
public record TableRename(String table, String column, String to) {

    /** What the rename produces, as a report names it: {@code patients.full_name} or {@code patients}. */
    public String target() {
        return column == null ? to : table + "." + to;
    }

    public static Optional<TableRename> parse(List<Token> tokens) {
        int at = AlterTable.nameIndex(tokens);
        if (at < 0) return Optional.empty();
        Tokens.QualifiedName table = Tokens.qualifiedName(tokens, at);
        if (table == null) return Optional.empty();
        int i = table.next();
        if (i < tokens.size() && tokens.get(i).isSymbol("*")) i++;
        if (i >= tokens.size() || !tokens.get(i).isWord("rename")) return Optional.empty();
        i++;
        if (i < tokens.size() && tokens.get(i).isWord("to")) {
            Tokens.QualifiedName to = Tokens.qualifiedName(tokens, i + 1);
            if (to == null || to.next() != tokens.size()) return Optional.empty();
            // RENAME TO takes a bare name: the table stays in its schema.
            int dot = table.name().lastIndexOf('.');
            String renamed = dot < 0 ? to.name() : table.name().substring(0, dot + 1) + to.name();
            return Optional.of(new TableRename(table.name(), null, renamed));
        }
        if (i < tokens.size() && tokens.get(i).isWord("column")) i++;
        if (i + 3 != tokens.size() || !Tokens.isName(tokens.get(i)) || !tokens.get(i + 1).isWord("to")
                || !Tokens.isName(tokens.get(i + 2))) {
            return Optional.empty();
        }
        return Optional.of(new TableRename(table.name(), tokens.get(i).identifier(), tokens.get(i + 2).identifier()));
    }
}
