package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackingTables;
import org.stonescriptdb.gateway.schema.plan.CompiledBundle;
import org.stonescriptdb.gateway.schema.plan.ExtensionSpec;
import org.stonescriptdb.gateway.schema.plan.FunctionSpec;
import org.stonescriptdb.gateway.schema.plan.MigrationSpec;
import org.stonescriptdb.gateway.schema.plan.SeederSpec;
import org.stonescriptdb.gateway.schema.plan.TableSpec;
import org.stonescriptdb.gateway.schema.plan.TypeSpec;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.literal;

/**
 * The fast path of a re-deploy: one query returns every tracked checksum, the installed extensions, whether
 * tracked tables and routines still exist, which seeded rows are missing and which bundle the database carries. If all of it matches the
 * bundle, the database is unchanged and no transaction, lock or DDL is needed. Any doubt — including the
 * query failing because the tracking tables do not exist yet — sends the deploy down the full path.
 *
 * <p>Not covered here: table columns altered by hand since the last deploy. The full path diffs the live
 * catalog; the fast path trusts the tracking tables, as Flyway trusts its history table.
 */
final class UnchangedCheck {

    private final CompiledBundle bundle;
    private final String query;
    private final Map<String, String> expected = new HashMap<>();

    UnchangedCheck(CompiledBundle bundle) {
        this.bundle = bundle;
        for (MigrationSpec m : bundle.migrations()) expected.put("m:" + m.name(), m.checksum());
        for (TypeSpec t : bundle.types()) expected.put("y:" + t.name(), t.checksum());
        for (TableSpec t : bundle.tables()) expected.put("t:" + t.name(), t.checksum());
        for (FunctionSpec f : bundle.functions()) expected.put("f:" + f.signature(), f.checksum());
        for (SeederSpec s : bundle.seeders()) {
            expected.put("s:" + s.name(), s.checksum());
            expected.put("x:" + s.name(), "");
        }
        for (ExtensionSpec e : bundle.extensions()) expected.put("e:" + e.name(), "installed");
        expected.put("b:carried", bundle.checksum() + "|" + (bundle.label() == null ? "" : bundle.label()));
        this.query = buildQuery();
    }

    private String buildQuery() {
        StringBuilder q = new StringBuilder()
                .append("SELECT 'm', name, checksum FROM ").append(TrackingTables.MIGRATIONS)
                .append(" UNION ALL SELECT 'y', name, checksum FROM ").append(TrackingTables.TYPES)
                .append(" UNION ALL SELECT 't', name, checksum || CASE WHEN to_regclass(name) IS NULL THEN ':gone' ELSE '' END FROM ")
                .append(TrackingTables.TABLES)
                .append(" UNION ALL SELECT 'f', signature, checksum || CASE WHEN to_regprocedure(signature) IS NULL THEN ':gone' ELSE '' END FROM ")
                .append(TrackingTables.FUNCTIONS)
                .append(" UNION ALL SELECT 's', name, checksum FROM ").append(TrackingTables.SEEDERS)
                .append(" UNION ALL SELECT 'e', extname, 'installed' FROM pg_extension")
                .append(" UNION ALL (SELECT 'b', 'carried', checksum || '|' || coalesce(label, '') FROM ")
                .append(TrackingTables.BUNDLE).append(" ORDER BY id DESC LIMIT 1)");
        for (SeederSpec s : bundle.seeders()) {
            q.append(" UNION ALL SELECT 'x', ").append(literal(s.name())).append(", ")
                    .append(SeedCheck.missingRowsExpression(s, bundle.tables()));
        }
        return q.toString();
    }

    /** True when the database needs nothing from this bundle. Never throws: a failed check means "not sure". */
    boolean isUnchanged(Connection connection) {
        Map<String, String> actual = new HashMap<>();
        Set<String> trackedKinds = Set.of("t", "f");
        Set<String> trackedNames = new HashSet<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                String key = rs.getString(1) + ":" + rs.getString(2);
                actual.put(key, rs.getString(3) == null ? "" : rs.getString(3));
                if (trackedKinds.contains(rs.getString(1))) trackedNames.add(key);
            }
        } catch (SQLException e) {
            return false;
        }
        for (var e : expected.entrySet()) {
            if (!e.getValue().equals(actual.get(e.getKey()))) return false;
        }
        // A tracked table or routine missing from the bundle means a drop is due.
        for (String key : trackedNames) if (!expected.containsKey(key)) return false;
        return true;
    }
}
