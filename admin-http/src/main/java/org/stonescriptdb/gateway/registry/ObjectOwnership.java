package org.stonescriptdb.gateway.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives every object of a database that a role should own — schemas, tables, views, sequences, routines, types —
 * to that role, leaving alone the system schemas, extension members, and sequences that follow their table.
 * Statements are built by the server ({@code format('%I')}, {@code regclass}, {@code regprocedure}), never from text
 * of ours.
 */
final class ObjectOwnership {

    private static final String NOT_SYSTEM = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

    private static String notExtensionMember(String catalog, String oid) {
        return "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" + catalog + "'::regclass AND e.objid = " + oid
                + " AND e.deptype = 'e')";
    }

    private static final String STATEMENTS = """
            WITH arg AS (SELECT CAST(? AS text) AS role)
            SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $1) FROM pg_namespace n
             WHERE NOT_SYSTEM AND n.nspowner <> $1::regrole AND pg_get_userbyid(n.nspowner) <> 'pg_database_owner'
               AND SCHEMA_NOT_EXT
            UNION ALL
            SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                     WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass, $1)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> $1::regrole AND NOT_SYSTEM AND CLASS_NOT_EXT
               AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                        AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
            UNION ALL
            SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proowner <> $1::regrole AND NOT_SYSTEM AND PROC_NOT_EXT
            UNION ALL
            SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, $1)
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype IN ('e', 'd', 'r', 'c') AND t.typowner <> $1::regrole AND NOT_SYSTEM AND TYPE_NOT_EXT
               AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
            """
            .replace("$1::regrole", "(SELECT role FROM arg)::regrole")
            .replace("$1", "(SELECT role FROM arg)")
            .replace("NOT_SYSTEM", NOT_SYSTEM)
            .replace("SCHEMA_NOT_EXT", notExtensionMember("pg_namespace", "n.oid"))
            .replace("CLASS_NOT_EXT", notExtensionMember("pg_class", "c.oid"))
            .replace("PROC_NOT_EXT", notExtensionMember("pg_proc", "p.oid"))
            .replace("TYPE_NOT_EXT", notExtensionMember("pg_type", "t.oid"));

    private ObjectOwnership() {
    }

    /** Moves everything to {@code role} in one transaction; returns how many objects changed owner. */
    static int transfer(Connection c, String role) throws SQLException {
        List<String> statements = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(STATEMENTS)) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) statements.add(rs.getString(1));
            }
        }
        if (statements.isEmpty()) return 0;
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) s.execute(sql);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return statements.size();
    }
}
