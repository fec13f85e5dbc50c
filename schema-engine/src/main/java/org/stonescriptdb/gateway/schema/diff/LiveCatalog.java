package org.stonescriptdb.gateway.schema.diff;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The user tables of one database with their columns, read in one query. Names are keyed like the bundle's:
 * bare for the public schema, schema-qualified otherwise. The gateway's own tracking tables are left out so
 * they never show up in a diff.
 */
public record LiveCatalog(Map<String, Map<String, LiveColumn>> tables) {

    private static final String QUERY = """
            SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,
                   a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relkind IN ('r', 'p')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
               AND n.nspname NOT LIKE 'pg\\_temp\\_%'
               AND c.relname NOT LIKE '\\_stonescriptdb\\_gateway\\_%'
             ORDER BY 1, a.attnum
            """;

    public static LiveCatalog read(Connection connection) throws SQLException {
        Map<String, Map<String, LiveColumn>> tables = new HashMap<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            while (rs.next()) {
                tables.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>())
                        .put(rs.getString(2), new LiveColumn(rs.getString(2), typeName(rs.getString(3)),
                                rs.getBoolean(4), rs.getBoolean(5)));
            }
        }
        return new LiveCatalog(tables);
    }

    private static String typeName(String formatted) {
        return formatted.startsWith("public.") ? formatted.substring("public.".length()) : formatted;
    }

    public boolean has(String table) {
        return tables.containsKey(table);
    }
}
