package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.TableRename;
import org.stonescriptdb.gateway.schema.plan.TableSpec;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * Tells when a migration's rename has nothing to do: tables/ declares its result and the database has never had the
 * old name — a new database, or a tenant created later, gets the table straight from tables/ in its final shape, so
 * {@code RENAME COLUMN name TO full_name} would only fail there. On a database that has the old name it runs.
 */
final class DeclaredRename {

    private final Map<String, TableSpec> declared = new HashMap<>();

    DeclaredRename(List<TableSpec> tables) {
        tables.forEach(t -> declared.put(t.name(), t));
    }

    boolean alreadyDeclared(DeploySession s, TableRename r) throws SQLException {
        if (r.column() == null) return declared.containsKey(r.to()) && !exists(s, r.table(), null);
        TableSpec t = declared.get(r.table());
        return t != null && t.column(r.to()).isPresent() && t.column(r.column()).isEmpty()
                && !exists(s, r.table(), r.column());
    }

    /** Whether the table (and, if given, its column) exists in the database now. */
    private static boolean exists(DeploySession s, String table, String column) throws SQLException {
        try (PreparedStatement ps = s.connection.prepareStatement("""
                SELECT to_regclass(?) IS NOT NULL
                   AND (?::text IS NULL OR EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass(?)
                                                    AND attname = ? AND attnum > 0 AND NOT attisdropped))
                """)) {
            ps.setString(1, quote(table));
            ps.setString(2, column);
            ps.setString(3, quote(table));
            ps.setString(4, column);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
