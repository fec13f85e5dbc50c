package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.SeederSpec;
import org.stonescriptdb.gateway.schema.plan.TableSpec;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * First deploy of a seeder (register): runs it only if its tables were empty before this deploy — a table this deploy
 * created counts as empty even if one of its migrations has since inserted into it (reference data added by a later
 * version, replayed on a new tenant), so a database created later gets the same seeded rows as the older ones. Later
 * deploys (migrate): every seeded row must still exist, or the deploy fails and rolls back naming the missing rows.
 */
final class SeederStep {

    private SeederStep() {
    }

    static void apply(DeploySession s, List<SeederSpec> seeders, List<TableSpec> tables, TrackedState state)
            throws SQLException, StepFailure {
        for (SeederSpec seeder : seeders) {
            String tracked = state.seeders().get(seeder.name());
            if (tracked == null) {
                if (tablesEmpty(s, seeder)) {
                    for (SqlStatement st : seeder.statements()) s.execute(seeder.file(), st.text());
                    s.record("seeder", seeder.name(), "seeded", seeder.file(), null, seeder.checksum());
                } else {
                    s.record("seeder", seeder.name(), "not run (table already has rows)", seeder.file(), null,
                            seeder.checksum());
                }
                s.tracking.seeder(seeder.name(), seeder.checksum());
                continue;
            }
            String missing = missingRows(s, seeder, tables);
            if (!missing.isEmpty()) {
                throw DeploySession.failure(seeder.file(), "seeded rows missing from the database: " + missing
                        + "; restore them, or add a migration that inserts them");
            }
            if (!tracked.equals(seeder.checksum())) {
                s.tracking.seeder(seeder.name(), seeder.checksum());
                s.record("seeder", seeder.name(), "verified (seeder changed)", seeder.file(), tracked, seeder.checksum());
            }
        }
    }

    private static boolean tablesEmpty(DeploySession s, SeederSpec seeder) throws SQLException, StepFailure {
        List<String> existing = seeder.tables().stream().filter(t -> !s.createdTables.contains(t)).toList();
        if (existing.isEmpty()) return true;
        String sql = "SELECT " + existing.stream()
                .map(t -> "NOT EXISTS (SELECT 1 FROM " + quote(t) + ")").collect(Collectors.joining(" AND "));
        try (Statement st = s.connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw DeploySession.failure(seeder.file(), sql, e);
        }
    }

    private static String missingRows(DeploySession s, SeederSpec seeder, List<TableSpec> tables)
            throws SQLException, StepFailure {
        Set<String> declared = new HashSet<>();
        tables.forEach(t -> declared.add(t.name()));
        Map<String, List<String>> liveKeys = new HashMap<>();
        for (String table : seeder.tables()) {
            if (!declared.contains(table)) liveKeys.put(table, livePrimaryKey(s, seeder, table));
        }
        return queryOne(s, seeder, "SELECT " + SeedCheck.missingRowsExpression(seeder, tables, liveKeys));
    }

    private static List<String> livePrimaryKey(DeploySession s, SeederSpec seeder, String table) throws StepFailure {
        String sql = "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                + " AND a.attnum = ANY (i.indkey) WHERE i.indisprimary AND i.indrelid = to_regclass(?)"
                + " ORDER BY array_position(i.indkey::int2[], a.attnum)";
        try (PreparedStatement ps = s.connection.prepareStatement(sql)) {
            ps.setString(1, quote(table));
            List<String> key = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) key.add(rs.getString(1));
            }
            return key;
        } catch (SQLException e) {
            throw DeploySession.failure(seeder.file(), sql, e);
        }
    }

    private static String queryOne(DeploySession s, SeederSpec seeder, String sql) throws StepFailure {
        try (Statement st = s.connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return String.valueOf(rs.getString(1));
        } catch (SQLException e) {
            throw DeploySession.failure(seeder.file(), sql, e);
        }
    }
}
