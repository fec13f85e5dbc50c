package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.MigrationSpec;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.Token;

import java.sql.SQLException;
import java.util.List;

/** Runs each migration once, in natural file-name order; an edited applied migration is an error unless forced. */
final class MigrationStep {

    private MigrationStep() {
    }

    static void apply(DeploySession s, List<MigrationSpec> migrations, TrackedState state) throws SQLException, StepFailure {
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
            for (SqlStatement st : m.statements()) {
                s.execute(m.file(), st.text());
                for (Token t : st.tokens()) {
                    if (t.kind() == Token.Kind.WORD || t.kind() == Token.Kind.QUOTED_IDENTIFIER) {
                        s.appliedMigrationIdentifiers.add(t.identifier());
                    }
                }
            }
            s.tracking.migration(m.name(), m.checksum());
            s.record("migration", m.name(), "applied", m.file(), null, m.checksum());
        }
    }
}
