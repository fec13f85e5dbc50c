package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.SqlSyntaxException;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether each migration runs before or after the declarative tables step, from what its statements
 * name (file order is kept within each phase):
 * <ol>
 *   <li>a {@code -- ssdb:before-tables} / {@code -- ssdb:after-tables} comment among the file's leading comments wins;</li>
 *   <li>a migration that reshapes a declared table (renames it or one of its columns, adds, drops or retypes a column,
 *       creates or drops the table) runs before, so the table diff compares against its result — a rename is then
 *       no longer seen as a dropped and an added column;</li>
 *   <li>a migration that otherwise names a declared table (insert, update, index, constraint…) runs after, when the
 *       table and its new columns exist;</li>
 *   <li>a migration that names something an earlier after-tables migration creates runs after too;</li>
 *   <li>anything else runs before, as all migrations used to: it may create a schema, sequence or type tables need.</li>
 * </ol>
 */
public final class MigrationPhases {

    private static final Pattern MARKER = Pattern.compile("--\\s*ssdb:(\\S*)\\s*");

    /** Object kinds whose name follows CREATE [OR REPLACE] [modifiers] kind [IF NOT EXISTS]. */
    private static final Set<String> CREATED_KINDS = Set.of("table", "view", "sequence", "function", "procedure",
            "index", "type", "domain", "schema", "trigger");

    /** Words after ADD or DROP in ALTER TABLE that mean a constraint, not a column. */
    private static final Set<String> CONSTRAINT_WORDS = Set.of("constraint", "primary", "unique", "foreign", "check",
            "exclude");

    private MigrationPhases() {
    }

    public static List<MigrationSpec> assign(List<MigrationSpec> migrations, Set<String> declaredTables) {
        List<MigrationSpec> out = new ArrayList<>();
        Set<String> createdAfterTables = new HashSet<>();
        for (MigrationSpec m : migrations) {
            List<List<Token>> statements = statements(m);
            MigrationPhase phase = marker(m.file()).orElseGet(() -> analyse(statements, declaredTables, createdAfterTables));
            if (phase == MigrationPhase.AFTER_TABLES) {
                for (List<Token> s : statements) createdName(s).ifPresent(createdAfterTables::add);
            }
            out.add(m.withPhase(phase));
        }
        return out;
    }

    private static MigrationPhase analyse(List<List<Token>> statements, Set<String> declared, Set<String> createdAfter) {
        boolean uses = false;
        boolean needsEarlier = false;
        for (List<Token> s : statements) {
            if (reshapes(s, declared)) return MigrationPhase.BEFORE_TABLES;
            Set<String> names = names(s);
            uses |= names.stream().anyMatch(declared::contains);
            needsEarlier |= names.stream().anyMatch(createdAfter::contains);
        }
        return uses || needsEarlier ? MigrationPhase.AFTER_TABLES : MigrationPhase.BEFORE_TABLES;
    }

    /** The override comment, if the file's leading comment lines carry one; an unknown ssdb: marker is refused. */
    static Optional<MigrationPhase> marker(BundleFile file) {
        for (String line : file.sql().lines().toList()) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            if (!l.startsWith("--")) break;
            Matcher m = MARKER.matcher(l);
            if (!m.matches()) continue;
            return switch (m.group(1)) {
                case "before-tables" -> Optional.of(MigrationPhase.BEFORE_TABLES);
                case "after-tables" -> Optional.of(MigrationPhase.AFTER_TABLES);
                // A typo would silently fall back to the analysis; refuse it while nothing is deployed.
                default -> throw new BundleException(file.path() + ": unknown marker '" + l + "'; use "
                        + "'-- ssdb:before-tables' or '-- ssdb:after-tables'");
            };
        }
        return Optional.empty();
    }

    /** The migration's statements, plus those inside dollar-quoted bodies (DO blocks, functions) it creates. */
    private static List<List<Token>> statements(MigrationSpec m) {
        List<List<Token>> out = new ArrayList<>();
        for (SqlStatement s : m.statements()) addWithBodies(s.tokens(), out, 0);
        return out;
    }

    private static void addWithBodies(List<Token> tokens, List<List<Token>> out, int depth) {
        out.add(tokens);
        if (depth > 2) return;
        for (Token t : tokens) {
            if (t.kind() != Token.Kind.DOLLAR_STRING) continue;
            try {
                for (SqlStatement inner : SqlScript.split(t.dollarBody())) {
                    addWithBodies(fromCommand(inner.tokens()), out, depth + 1);
                }
            } catch (SqlSyntaxException notSql) {
                // A body in another language (or plain text): it names nothing we can read.
            }
        }
    }

    /** In PL/pgSQL, "BEGIN ALTER TABLE ..." or "IF ... THEN ALTER TABLE ...": the part from the DDL command on. */
    private static List<Token> fromCommand(List<Token> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token t = tokens.get(i);
            if ((t.isWord("alter") || t.isWord("create") || t.isWord("drop")) && tokens.get(i + 1).kind() == Token.Kind.WORD) {
                return tokens.subList(i, tokens.size());
            }
        }
        return tokens;
    }

    static boolean reshapes(List<Token> s, Set<String> declared) {
        if (s.size() >= 3 && (s.get(0).isWord("create") || s.get(0).isWord("drop"))) {
            int kind = s.get(0).isWord("create") ? kindIndex(s) : 1;
            if (kind > 0 && s.get(kind).isWord("table")) {
                return namesAfterKind(s, kind).stream().anyMatch(declared::contains);
            }
            return false;
        }
        int at = AlterTable.nameIndex(s);
        if (at < 0) return false;
        Tokens.QualifiedName table = Tokens.qualifiedName(s, at);
        if (table == null) return false;
        Optional<TableRename> rename = TableRename.parse(s);
        if (rename.isPresent()) return declared.contains(rename.get().table()) || declared.contains(rename.get().to());
        if (!declared.contains(table.name())) return false;
        int first = table.next() < s.size() && s.get(table.next()).isSymbol("*") ? table.next() + 1 : table.next();
        for (List<Token> action : Tokens.splitTopLevel(s.subList(first, s.size()), ",")) {
            if (changesColumns(action)) return true;
        }
        return false;
    }

    /** ADD/DROP [COLUMN] c, ALTER [COLUMN] c TYPE / SET NOT NULL / DROP NOT NULL, RENAME: the table's shape. */
    private static boolean changesColumns(List<Token> action) {
        if (action.isEmpty()) return false;
        Token first = action.getFirst();
        Token second = action.size() > 1 ? action.get(1) : null;
        if (first.isWord("rename")) return second != null && !second.isWord("constraint");
        if (first.isWord("add") || first.isWord("drop")) {
            return second != null && !(second.kind() == Token.Kind.WORD && CONSTRAINT_WORDS.contains(second.identifier()));
        }
        if (first.isWord("alter")) {
            for (int i = 1; i < action.size(); i++) {
                if (action.get(i).isWord("type")) return true;
                if (action.get(i).isWord("not") && i + 1 < action.size() && action.get(i + 1).isWord("null")) return true;
            }
        }
        return false;
    }

    /** Every name the statement mentions: {@code a} and {@code a.b} as the bundle keys them, plus {@code a} alone. */
    static Set<String> names(List<Token> s) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < s.size(); i++) {
            if (!Tokens.isName(s.get(i)) || i > 0 && s.get(i - 1).isSymbol(".")) continue;
            Tokens.QualifiedName name = Tokens.qualifiedName(s, i);
            names.add(name.name());
            // "patients.name" in a select list names the table patients.
            names.add(s.get(i).identifier());
        }
        return names;
    }

    /** The name a CREATE statement gives its object, if it is one of {@link #CREATED_KINDS}. */
    static Optional<String> createdName(List<Token> s) {
        if (s.isEmpty() || !s.getFirst().isWord("create")) return Optional.empty();
        int kind = kindIndex(s);
        if (kind < 0) return Optional.empty();
        List<String> names = namesAfterKind(s, kind);
        return names.isEmpty() ? Optional.empty() : Optional.of(names.getFirst());
    }

    private static int kindIndex(List<Token> s) {
        for (int i = 1; i < s.size(); i++) {
            Token t = s.get(i);
            if (t.kind() == Token.Kind.WORD && CREATED_KINDS.contains(t.identifier())) return i;
            if (t.kind() != Token.Kind.WORD) return -1;
        }
        return -1;
    }

    /** The object names after the kind word, skipping IF [NOT] EXISTS and CONCURRENTLY (DROP TABLE a, b names two). */
    private static List<String> namesAfterKind(List<Token> s, int kind) {
        int i = kind + 1;
        if (i < s.size() && s.get(i).isWord("concurrently")) i++;
        if (i < s.size() && s.get(i).isWord("if")) i += i + 1 < s.size() && s.get(i + 1).isWord("not") ? 3 : 2;
        List<String> out = new ArrayList<>();
        while (i < s.size()) {
            if (s.get(i).isWord("on")) break;   // CREATE INDEX ON t: no name of its own
            Tokens.QualifiedName name = Tokens.qualifiedName(s, i);
            if (name == null) break;
            out.add(name.name());
            if (name.next() >= s.size() || !s.get(name.next()).isSymbol(",")) break;
            i = name.next() + 1;
        }
        return out;
    }
}
