package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The per-database tables in which the gateway remembers what it deployed. They live next to the data so
 * a database restored from backup carries its own deploy history.
 */
public final class TrackingTables {

    public static final String PREFIX = "_stonescriptdb_gateway_";
    public static final String MIGRATIONS = PREFIX + "migrations";
    public static final String TYPES = PREFIX + "types";
    public static final String TABLES = PREFIX + "tables";
    public static final String FUNCTIONS = PREFIX + "functions";
    public static final String SEEDERS = PREFIX + "seeders";
    public static final String CHANGELOG = PREFIX + "changelog";
    public static final String BUNDLE = PREFIX + "bundle";

    private static final String DDL = """
            CREATE TABLE IF NOT EXISTS %1$smigrations (
                name text PRIMARY KEY, checksum text NOT NULL,
                deployment_id uuid NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$stypes (
                name text PRIMARY KEY, kind text NOT NULL, checksum text NOT NULL,
                deployment_id uuid NOT NULL, deployed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$stables (
                name text PRIMARY KEY, checksum text NOT NULL,
                deployment_id uuid NOT NULL, deployed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$sfunctions (
                signature text PRIMARY KEY, routine_kind text NOT NULL, name text NOT NULL, header text NOT NULL,
                checksum text NOT NULL, file text NOT NULL,
                deployment_id uuid NOT NULL, deployed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$sseeders (
                name text PRIMARY KEY, checksum text NOT NULL,
                deployment_id uuid NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$schangelog (
                id bigserial PRIMARY KEY, deployment_id uuid NOT NULL, kind text NOT NULL, object text NOT NULL,
                action text NOT NULL, old_checksum text, new_checksum text,
                changed_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS %1$sbundle (
                id bigserial PRIMARY KEY, checksum text NOT NULL, label text, deployment_id uuid NOT NULL,
                shape text NOT NULL, deployed_at timestamptz NOT NULL DEFAULT now());
            """.formatted(PREFIX);

    private TrackingTables() {
    }

    /** Creates whichever tracking tables are missing; callers hold the deploy lock, so two deploys cannot race here. */
    public static void ensure(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            // IF NOT EXISTS would still emit a NOTICE per table on every deploy; check once instead. The bundle
            // table is the newest: a database deployed before it existed gets it on its next full deploy.
            try (var rs = st.executeQuery("SELECT to_regclass('" + BUNDLE + "') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) return;
            }
            st.execute(DDL);
        }
    }
}
