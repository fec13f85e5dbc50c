package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A database's schema as sorted lines of text — relations, columns with type, nullability and default, indexes,
 * constraints, triggers, routines with a hash of their body, views with a hash of their definition, enum labels,
 * extensions — without the gateway's tracking tables or objects that belong to an extension. Recorded at the end of
 * each deploy; read again later, the lines that differ are the objects changed outside the gateway (drift).
 * Data is not part of it.
 */
public final class SchemaShape {

    private static final String USER_SCHEMAS = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
    private static final String NOT_TRACKING = "NOT LIKE '" + TrackingTables.PREFIX.replace("_", "\\_") + "%'";
    private static final String NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = %s AND d.deptype = 'e')";

    static final String QUERY = """
            SELECT format('table %%s.%%s kind=%%s', n.nspname, c.relname, c.relkind)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname %1$s AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relname %2$s AND %3$s
            UNION ALL
            SELECT format('column %%s.%%s %%s%%s%%s', n.nspname, c.relname || '.' || a.attname,
                          format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                          coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''))
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND n.nspname %1$s AND c.relname %2$s AND %4$s
            UNION ALL
            SELECT 'index ' || pg_get_indexdef(i.indexrelid)
              FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname %1$s AND c.relname %2$s AND %4$s
            UNION ALL
            SELECT format('constraint %%s %%s %%s', co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid))
              FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname %1$s AND c.relname %2$s AND %4$s
            UNION ALL
            SELECT format('trigger %%s %%s', t.tgrelid::regclass, pg_get_triggerdef(t.oid))
              FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT t.tgisinternal AND n.nspname %1$s AND %4$s
            UNION ALL
            SELECT format('view %%s md5=%%s', c.oid::regclass, md5(pg_get_viewdef(c.oid)))
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('v', 'm') AND n.nspname %1$s AND %3$s
            UNION ALL
            SELECT format('routine %%s returns %%s md5=%%s', p.oid::regprocedure, format_type(p.prorettype, NULL),
                          md5(coalesce(p.prosrc, '') || coalesce(p.probin, '') || coalesce(array_to_string(p.proconfig, ','), '')))
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname %1$s AND %5$s
            UNION ALL
            SELECT format('type %%s %%s', t.oid::regtype, CASE t.typtype WHEN 'e' THEN (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
                                                                    WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE t.typtype::text END)
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype IN ('e', 'd') AND n.nspname %1$s AND %6$s
            UNION ALL
            SELECT format('extension %%s %%s', extname, extversion) FROM pg_extension WHERE extname <> 'plpgsql'
            """.formatted(USER_SCHEMAS, NOT_TRACKING, NOT_EXTENSION_MEMBER.formatted("c.oid"),
            NOT_EXTENSION_MEMBER.formatted("c.oid"), NOT_EXTENSION_MEMBER.formatted("p.oid"),
            NOT_EXTENSION_MEMBER.formatted("t.oid"));

    private SchemaShape() {
    }

    /** The shape now, sorted. */
    public static List<String> read(Connection connection) throws SQLException {
        TreeSet<String> lines = new TreeSet<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
            while (rs.next()) lines.add(rs.getString(1));
        }
        return List.copyOf(lines);
    }

    /** The lines as one text, as the tracking table keeps them. */
    public static String text(List<String> lines) {
        return String.join("\n", lines);
    }

    /** What changed from {@code recorded} (a shape's text) to {@code now}: lines that appeared and lines that went. */
    public static Drift compare(String recorded, List<String> now) {
        Set<String> before = new TreeSet<>(recorded.isEmpty() ? List.of() : List.of(recorded.split("\n")));
        Set<String> after = new TreeSet<>(now);
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String line : after) if (!before.contains(line)) added.add(line);
        for (String line : before) if (!after.contains(line)) removed.add(line);
        return new Drift(added, removed);
    }

    /** Objects changed outside the gateway since the last deploy, as shape lines. */
    public record Drift(List<String> added, List<String> removed) {
        public Drift {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }

        public boolean none() {
            return added.isEmpty() && removed.isEmpty();
        }
    }
}
