package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.MigrationSpec;
import org.stonescriptdb.gateway.schema.plan.TableRename;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.Tokens;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs each migration of one phase once, in natural file-name order; an edited applied migration is an error unless
 * forced. On a new database a statement written for an older shape is skipped ({@link MigrationHistory}). A rename whose result tables/ already declares, on a database that never had the old name, is skipped
 * ({@link DeclaredRename}).
 */
final class MigrationStep {

    private MigrationStep() {
    }

    /** Names after TYPE or DOMAIN (ALTER TYPE x, DROP DOMAIN IF EXISTS y, CREATE TYPE z): types this statement changes. */
    static Set<String> typesNamed(List<Token> tokens) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (!tokens.get(i).isWord("type") && !tokens.get(i).isWord("domain")) continue;
            int at = i + 1;
            if (at < tokens.size() && tokens.get(at).isWord("if")) {
                at += at + 1 < tokens.size() && tokens.get(at + 1).isWord("not") ? 3 : 2;
            }
            Tokens.QualifiedName name = Tokens.qualifiedName(tokens, at);
            if (name != null) names.add(name.name());
        }
        return names;
    }

    /** The statement's first line, shortened, to name it in a report. */
    private static String head(String sql) {
        String line = sql.strip().lines().findFirst().orElse("");
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }

    static void apply(DeploySession s, List<MigrationSpec> migrations, TrackedState state, DeclaredRename renames)
            throws SQLException, StepFailure {
        for (MigrationSpec m : migrations) {
            String applied = state.migrations().get(m.name());
            if (m.checksum().equals(applied)) continue;
            if (applied != null) {
                if (!s.options.force()) {
                    throw DeploySession.failure(m.file(), "migration " + m.name() + " was already applied with checksum "
                            + applied + " but the bundle's copy now has " + m.checksum() + "; applied migrations must not "
                            + "change — restore the original and add a new migration, or deploy with force=true to "
                            + "accept the new checksum without re-running it");
                }
                s.tracking.migration(m.name(), m.checksum());
                s.record("migration", m.name(), "checksum accepted (force)", m.file(), applied, m.checksum());
                continue;
            }
            int notNeeded = 0;
            for (SqlStatement st : m.statements()) {
                Optional<TableRename> rename = TableRename.parse(st.tokens());
                if (rename.isPresent() && renames.alreadyDeclared(s, rename.get())) {
                    s.record("migration", m.name(), "rename skipped (tables/ already declares " + rename.get().target()
                            + ")", m.file(), null, m.checksum());
                    continue;
                }
                if (s.options.newDatabase()) {
                    Optional<SQLException> skipped = MigrationHistory.execute(s, m.file(), st.text());
                    if (skipped.isPresent()) {
                        notNeeded++;
                        s.record("migration", m.name(), "not needed on a new database: " + head(st.text()) + " failed with "
                                + skipped.get().getSQLState() + " " + DeploySession.describe(skipped.get()), m.file(), null, m.checksum());
                        continue;
                    }
                } else {
                    s.execute(m.file(), st.text());
                }
                s.typesChangedByMigrations.addAll(typesNamed(st.tokens()));
            }
            s.tracking.migration(m.name(), m.checksum());
            if (notNeeded < m.statements().size()) s.record("migration", m.name(), "applied", m.file(), null, m.checksum());
        }
    }
}
