package org.stonescriptdb.gateway.schema.testing;

import org.stonescriptdb.gateway.testsupport.TestPostgres;

/** Snapshots of a database's schema, to prove a deploy changed nothing (or exactly what it claimed). */
public final class Catalog {

    private Catalog() {
    }

    /**
     * Every user relation, column, routine (with body hash), type, schema and extension, plus the row
     * versions (xmin) of their catalog rows: any DDL — even CREATE OR REPLACE with the same body — changes it.
     */
    public static String fingerprint(String database) {
        return TestPostgres.queryOne(database, """
                SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
                  SELECT format('class %s.%s %s xmin=%s', n.nspname, c.relname, c.relkind, c.xmin)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  UNION ALL
                  SELECT format('column %s.%s %s notnull=%s xmin=%s', a.attrelid::regclass, a.attname,
                                format_type(a.atttypid, a.atttypmod), a.attnotnull, a.xmin)
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE a.attnum > 0 AND NOT a.attisdropped
                     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  UNION ALL
                  SELECT format('routine %s %s xmin=%s', p.oid::regprocedure, md5(coalesce(p.prosrc, '')), p.xmin)
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                  UNION ALL
                  SELECT format('type %s xmin=%s', t.oid::regtype, t.xmin)
                    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  UNION ALL
                  SELECT format('enum %s %s', enumtypid::regtype, enumlabel) FROM pg_enum
                  UNION ALL
                  SELECT 'schema ' || nspname FROM pg_namespace
                  UNION ALL
                  SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
                ) s(x)
                """);
    }

    /** The rows of a table as sorted text, or "(missing)" when the table does not exist. */
    public static String rows(String database, String table) {
        String exists = TestPostgres.queryOne(database, "SELECT to_regclass('" + table + "') IS NOT NULL");
        if (!"t".equals(exists)) return "(missing)";
        return TestPostgres.queryOne(database,
                "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM " + table + " t");
    }

    /**
     * The schema's shape without row versions — relations, columns, indexes, constraints, routines, types — so two
     * databases deployed by different paths can be compared: equal shapes mean the same schema.
     */
    public static String shape(String database) {
        return TestPostgres.queryOne(database, """
                SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
                  SELECT format('class %s.%s %s', n.nspname, c.relname, c.relkind)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  UNION ALL
                  SELECT format('column %s.%s %s notnull=%s default=%s', a.attrelid::regclass, a.attname,
                                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
                    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   WHERE a.attnum > 0 AND NOT a.attisdropped
                     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  UNION ALL
                  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
                  UNION ALL
                  SELECT format('constraint %s %s', conrelid::regclass, pg_get_constraintdef(oid)) FROM pg_constraint
                   WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
                  UNION ALL
                  SELECT format('routine %s %s', p.oid::regprocedure, md5(coalesce(p.prosrc, '')))
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                  UNION ALL
                  SELECT format('enum %s %s', enumtypid::regtype, enumlabel) FROM pg_enum
                ) s(x)
                """);
    }
}
