package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.TypeSpec;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.literal;
import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * Creates missing types and appends new ENUM labels. Any other change to an existing type cannot be done
 * safely in place, so it is left to a migration: {@link #apply} defers it, and {@link #settleDeferred}
 * (after migrations) accepts it only if a migration of this deploy touched the type, else blocks.
 */
final class TypeStep {

    private final List<TypeSpec> deferred = new ArrayList<>();
    private final TrackedState state;

    TypeStep(TrackedState state) {
        this.state = state;
    }

    void apply(DeploySession s, List<TypeSpec> types) throws SQLException, StepFailure {
        if (types.isEmpty()) return;
        Set<String> live = liveTypes(s);
        for (TypeSpec t : types) {
            String tracked = state.types().get(t.name());
            if (!live.contains(t.name())) {
                for (SqlStatement st : t.statements()) s.execute(t.file(), st.text());
                s.tracking.type(t.name(), kind(t), t.checksum());
                s.record("type", t.name(), "created", t.file(), tracked, t.checksum());
            } else if (!t.checksum().equals(tracked)) {
                changeExisting(s, t, tracked);
            }
        }
    }

    private void changeExisting(DeploySession s, TypeSpec t, String tracked) throws SQLException, StepFailure {
        if (t.kind() == TypeSpec.Kind.ENUM) {
            List<String> have = enumLabels(s, t.name());
            List<String> want = t.enumLabels();
            if (want.size() >= have.size() && want.subList(0, have.size()).equals(have)) {
                for (String label : want.subList(have.size(), want.size())) {
                    s.execute(t.file(), "ALTER TYPE " + quote(t.name()) + " ADD VALUE " + literal(label));
                }
                s.tracking.type(t.name(), kind(t), t.checksum());
                s.record("type", t.name(), want.size() > have.size() ? "enum values added" : "checksum updated",
                        t.file(), tracked, t.checksum());
                return;
            }
        } else if (tracked == null) {
            // Created outside the gateway (e.g. by a migration): adopt it rather than fight over it.
            s.tracking.type(t.name(), kind(t), t.checksum());
            s.record("type", t.name(), "adopted", t.file(), null, t.checksum());
            return;
        }
        deferred.add(t);
    }

    void settleDeferred(DeploySession s) throws SQLException {
        for (TypeSpec t : deferred) {
            String tracked = state.types().get(t.name());
            if (s.typesChangedByMigrations.contains(t.name())) {
                s.tracking.type(t.name(), kind(t), t.checksum());
                s.record("type", t.name(), "changed by migration", t.file(), tracked, t.checksum());
            } else {
                s.blockers.add("type " + t.name() + " (" + t.file().path() + ") changed, but an existing "
                        + kind(t) + " can only be changed in place by appending ENUM values; add a migration that "
                        + "alters " + t.name() + " (ALTER TYPE / ALTER DOMAIN, or a new type and a column conversion) "
                        + "to this bundle");
            }
        }
    }

    private static String kind(TypeSpec t) {
        return t.kind().name().toLowerCase(Locale.ROOT);
    }

    private static Set<String> liveTypes(DeploySession s) throws SQLException {
        Set<String> names = new HashSet<>();
        String sql = """
                SELECT CASE WHEN n.nspname = 'public' THEN t.typname ELSE n.nspname || '.' || t.typname END
                  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  LEFT JOIN pg_class c ON c.oid = t.typrelid
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c'))
                """;
        try (Statement st = s.connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    private static List<String> enumLabels(DeploySession s, String type) throws SQLException {
        List<String> labels = new ArrayList<>();
        try (PreparedStatement ps = s.connection.prepareStatement(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = to_regtype(?) ORDER BY enumsortorder")) {
            ps.setString(1, quote(type));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) labels.add(rs.getString(1));
            }
        }
        return labels;
    }
}
