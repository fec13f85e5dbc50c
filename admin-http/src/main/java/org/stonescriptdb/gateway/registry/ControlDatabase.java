package org.stonescriptdb.gateway.registry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.config.BackendTarget;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * The control database {@code stonescriptdb_gateway} on the backend: platforms, stored schema versions,
 * databases and deployment history, shared by every gateway instance on that backend. Created at start when
 * missing; its tables by numbered create-if-missing migrations under an advisory lock, so instances starting
 * together do not race. When the backend is down at start, {@link #dataSource()} retries on first use.
 */
public final class ControlDatabase implements AutoCloseable {

    public static final String NAME = "stonescriptdb_gateway";
    private static final Logger LOG = Logger.getLogger(ControlDatabase.class.getName());
    private static final long MIGRATION_LOCK = 0x73736462_67770001L;
    private static final int POOL_SIZE = 8;

    /** Append only: an instance applies the ones with a higher number than the database records. */
    private static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE IF NOT EXISTS platforms (
                name text PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS schema_versions (
                platform text NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
                schema_name text NOT NULL,
                version integer NOT NULL,
                checksum text NOT NULL,
                size_bytes integer NOT NULL,
                bundle bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (platform, schema_name, version));
            CREATE TABLE IF NOT EXISTS databases (
                name text PRIMARY KEY,
                platform text NOT NULL REFERENCES platforms (name) ON DELETE CASCADE,
                tenant_id text,
                schema_name text,
                schema_version integer,
                created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS deployments (
                id bigserial PRIMARY KEY,
                deployment_id text NOT NULL,
                platform text NOT NULL,
                database text NOT NULL,
                schema_name text,
                schema_version integer,
                status text NOT NULL,
                dry_run boolean NOT NULL,
                forced boolean NOT NULL,
                duration_ms bigint NOT NULL,
                report jsonb NOT NULL,
                deployed_at timestamptz NOT NULL DEFAULT now());
            CREATE INDEX IF NOT EXISTS deployments_platform ON deployments (platform, deployed_at);
            """, """
            CREATE TABLE IF NOT EXISTS platform_logins (
                platform text PRIMARY KEY,
                role text NOT NULL UNIQUE,
                password text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now());
            """, """
            -- A retry (retry_deployment) looks a deployment up by its id.
            CREATE INDEX IF NOT EXISTS deployments_deployment_id ON deployments (deployment_id);
            """, """
            -- Wire clients' passwords per platform (CLIENT_AUTH=password), as SCRAM verifiers: never the passwords.
            -- valid_until is set on the one a rotation retired: the end of its grace period.
            CREATE TABLE IF NOT EXISTS wire_credentials (
                id bigserial PRIMARY KEY,
                platform text NOT NULL,
                verifier text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                valid_until timestamptz);
            CREATE INDEX IF NOT EXISTS wire_credentials_platform ON wire_credentials (platform);
            """);

    private final BackendDatabases backend;
    private final HikariDataSource pool;
    private volatile boolean migrated;

    private ControlDatabase(BackendDatabases backend, HikariDataSource pool) {
        this.backend = backend;
        this.pool = pool;
    }

    /** Opens the pool and tries to create and migrate the database now; a backend that is down is retried later. */
    public static ControlDatabase open(BackendTarget target, BackendDatabases backend, Duration connectTimeout) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("control-db");
        c.setJdbcUrl(target.jdbcUrl(NAME));
        c.setUsername(target.user());
        c.setPassword(target.password());
        c.setMaximumPoolSize(POOL_SIZE);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(connectTimeout.toMillis());
        c.setInitializationFailTimeout(-1);
        c.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        c.addDataSourceProperty("ApplicationName", "stonescriptdb-gateway registry");
        ControlDatabase db = new ControlDatabase(backend, new HikariDataSource(c));
        try {
            db.dataSource();
        } catch (SQLException e) {
            LOG.warning("control database " + NAME + " not ready yet (retried on first use): " + e.getMessage());
        }
        return db;
    }

    /** The pool, once the database exists and is migrated. */
    public DataSource dataSource() throws SQLException {
        if (!migrated) migrate();
        return pool;
    }

    private synchronized void migrate() throws SQLException {
        if (migrated) return;
        if (backend.createIfMissing(NAME)) LOG.info("created control database " + NAME);
        // It holds every platform's password: only the gateway's own login (its owner) may connect.
        backend.revokePublicAccess(NAME);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
                s.execute("CREATE TABLE IF NOT EXISTS registry_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                int applied;
                try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM registry_migrations")) {
                    rs.next();
                    applied = rs.getInt(1);
                }
                for (int v = applied + 1; v <= MIGRATIONS.size(); v++) {
                    s.execute(MIGRATIONS.get(v - 1));
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO registry_migrations (version) VALUES (?)")) {
                        ps.setInt(1, v);
                        ps.executeUpdate();
                    }
                }
            }
            c.commit();
        }
        migrated = true;
    }

    @Override
    public void close() {
        pool.close();
    }
}
