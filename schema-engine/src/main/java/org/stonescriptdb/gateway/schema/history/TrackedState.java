package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** What the tracking tables say was deployed to this database, keyed by object name or signature. */
public record TrackedState(Map<String, String> migrations, Map<String, String> types, Map<String, String> tables,
                           Map<String, TrackedFunction> functions, Map<String, String> seeders) {

    public static TrackedState load(Connection connection) throws SQLException {
        Map<String, String> migrations = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Map<String, String> tables = new HashMap<>();
        Map<String, TrackedFunction> functions = new HashMap<>();
        Map<String, String> seeders = new HashMap<>();
        String sql = "SELECT 'm', name, checksum, NULL, NULL FROM " + TrackingTables.MIGRATIONS
                + " UNION ALL SELECT 'y', name, checksum, NULL, NULL FROM " + TrackingTables.TYPES
                + " UNION ALL SELECT 't', name, checksum, NULL, NULL FROM " + TrackingTables.TABLES
                + " UNION ALL SELECT 'f', signature, checksum, routine_kind, header FROM " + TrackingTables.FUNCTIONS
                + " UNION ALL SELECT 's', name, checksum, NULL, NULL FROM " + TrackingTables.SEEDERS;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String name = rs.getString(2);
                String checksum = rs.getString(3);
                switch (rs.getString(1)) {
                    case "m" -> migrations.put(name, checksum);
                    case "y" -> types.put(name, checksum);
                    case "t" -> tables.put(name, checksum);
                    case "f" -> functions.put(name, new TrackedFunction(name, rs.getString(4), rs.getString(5), checksum));
                    case "s" -> seeders.put(name, checksum);
                    default -> throw new IllegalStateException("unexpected tracking row kind " + rs.getString(1));
                }
            }
        }
        return new TrackedState(migrations, types, tables, functions, seeders);
    }
}
