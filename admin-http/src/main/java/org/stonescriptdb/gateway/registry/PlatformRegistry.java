package org.stonescriptdb.gateway.registry;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Platforms, stored schema versions, databases and deployment history in the {@link ControlDatabase}.
 * Plain JDBC, one short transaction per call; every value bound.
 */
public final class PlatformRegistry {

    private final ControlDatabase control;
    private final ObjectMapper json;

    public PlatformRegistry(ControlDatabase control, ObjectMapper json) {
        this.control = control;
        this.json = json;
    }

    public record Platform(String platform, int schemaCount, int databaseCount, String createdAt) {
    }

    /** One stored schema version; {@code bundle} is the tar.gz as uploaded. */
    public record StoredSchema(String schemaName, int version, String checksum, int sizeBytes, String createdAt,
                               @JsonIgnore byte[] bundle, @JsonIgnore boolean created) {
    }

    public record SchemaSummary(String schemaName, int latestVersion, int versions, String checksum, int sizeBytes, String createdAt) {
    }

    public record Database(String name, String type, String tenantId, String schemaName, Integer schemaVersion, String createdAt) {
    }

    /** True when this call added it. */
    public boolean registerPlatform(String platform) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO platforms (name) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setString(1, platform);
            return s.executeUpdate() == 1;
        }
    }

    public boolean platformExists(String platform) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM platforms WHERE name = ?")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    public List<Platform> platforms() throws SQLException {
        List<Platform> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT p.name,
                            (SELECT count(DISTINCT schema_name) FROM schema_versions v WHERE v.platform = p.name),
                            (SELECT count(*) FROM databases d WHERE d.platform = p.name),
                            p.created_at
                     FROM platforms p ORDER BY p.name""");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) out.add(new Platform(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4)));
        }
        return out;
    }

    /**
     * Stores {@code bundle} as the next version of {@code schemaName}; when its checksum (of the bundle's content, see
     * {@code Bundle.checksum()}) is the latest version's, that version is returned ({@code created} false) and
     * nothing is written.
     */
    public StoredSchema storeSchema(String platform, String schemaName, byte[] bundle, String checksum) throws SQLException {
        try (Connection c = control.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                // The platform row serialises concurrent uploads of one platform's schemas.
                try (PreparedStatement lock = c.prepareStatement("SELECT 1 FROM platforms WHERE name = ? FOR UPDATE")) {
                    lock.setString(1, platform);
                    lock.executeQuery().close();
                }
                Optional<StoredSchema> latest = latest(c, platform, schemaName, false);
                if (latest.isPresent() && latest.get().checksum().equals(checksum)) {
                    c.commit();
                    return latest.get();
                }
                int version = latest.map(StoredSchema::version).orElse(0) + 1;
                try (PreparedStatement s = c.prepareStatement("INSERT INTO schema_versions (platform, schema_name, version, checksum,"
                        + " size_bytes, bundle) VALUES (?, ?, ?, ?, ?, ?) RETURNING created_at")) {
                    s.setString(1, platform);
                    s.setString(2, schemaName);
                    s.setInt(3, version);
                    s.setString(4, checksum);
                    s.setInt(5, bundle.length);
                    s.setBytes(6, bundle);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        c.commit();
                        return new StoredSchema(schemaName, version, checksum, bundle.length, rs.getString(1), bundle, true);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The latest version with its bundle. */
    public Optional<StoredSchema> latestSchema(String platform, String schemaName) throws SQLException {
        try (Connection c = control.dataSource().getConnection()) {
            return latest(c, platform, schemaName, true);
        }
    }

    private static Optional<StoredSchema> latest(Connection c, String platform, String schemaName, boolean withBundle) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT version, checksum, size_bytes, created_at"
                + (withBundle ? ", bundle" : "") + " FROM schema_versions WHERE platform = ? AND schema_name = ?"
                + " ORDER BY version DESC LIMIT 1")) {
            s.setString(1, platform);
            s.setString(2, schemaName);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new StoredSchema(schemaName, rs.getInt(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                        withBundle ? rs.getBytes(5) : null, false));
            }
        }
    }

    public List<SchemaSummary> schemas(String platform) throws SQLException {
        List<SchemaSummary> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("""
                     SELECT DISTINCT ON (schema_name) schema_name, version,
                            count(*) OVER (PARTITION BY schema_name), checksum, size_bytes, created_at
                     FROM schema_versions WHERE platform = ? ORDER BY schema_name, version DESC""")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new SchemaSummary(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4), rs.getInt(5), rs.getString(6)));
                }
            }
        }
        return out;
    }

    /**
     * Records (or updates) a database of a platform, registering the platform too; {@code schemaName} or {@code version}
     * null keeps the stored one. One statement, and no write at all when the row is already so: a fan-out records every
     * database it deployed, and after an unchanged re-deploy of 500 tenants that is 500 rows already current — with two
     * statements each that was 1,000 commits, each a WAL flush on a server with fsync on.
     */
    public void recordDatabase(String name, String platform, String tenantId, String schemaName, Integer version) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("""
                     WITH platform AS (INSERT INTO platforms (name) VALUES (?) ON CONFLICT DO NOTHING)
                     INSERT INTO databases (name, platform, tenant_id, schema_name, schema_version)
                     SELECT ?, ?, ?, ?::text, ?::integer
                     WHERE NOT EXISTS (SELECT FROM databases d WHERE d.name = ?
                                         AND d.schema_name IS NOT DISTINCT FROM coalesce(?::text, d.schema_name)
                                         AND d.schema_version IS NOT DISTINCT FROM coalesce(?::integer, d.schema_version))
                     ON CONFLICT (name) DO UPDATE SET schema_name = coalesce(EXCLUDED.schema_name, databases.schema_name),
                         schema_version = coalesce(EXCLUDED.schema_version, databases.schema_version)""")) {
            s.setString(1, platform);
            s.setString(2, name);
            s.setString(3, platform);
            s.setString(4, tenantId);
            s.setString(5, schemaName);
            if (version == null) s.setNull(6, Types.INTEGER); else s.setInt(6, version);
            s.setString(7, name);
            s.setString(8, schemaName);
            if (version == null) s.setNull(9, Types.INTEGER); else s.setInt(9, version);
            s.executeUpdate();
        }
    }

    public void removeDatabase(String name) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM databases WHERE name = ?")) {
            s.setString(1, name);
            s.executeUpdate();
        }
    }

    public List<Database> databases(String platform) throws SQLException {
        List<Database> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, tenant_id, schema_name, schema_version, created_at FROM databases"
                     + " WHERE platform = ? ORDER BY tenant_id NULLS FIRST, name")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String tenant = rs.getString(2);
                    int v = rs.getInt(4);
                    out.add(new Database(rs.getString(1), tenant == null ? "main" : "tenant", tenant, rs.getString(3),
                            rs.wasNull() ? null : v, rs.getString(5)));
                }
            }
        }
        return out;
    }

    /** One history row per database of a deployment, with its whole report. */
    public void recordDeployment(String platform, String schemaName, Integer version, boolean forced, List<DatabaseResult> results)
            throws SQLException {
        if (results.isEmpty()) return;
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("INSERT INTO deployments (deployment_id, platform, database, schema_name,"
                     + " schema_version, status, dry_run, forced, duration_ms, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)")) {
            for (DatabaseResult r : results) {
                s.setString(1, r.deploymentId());
                s.setString(2, platform);
                s.setString(3, r.database());
                s.setString(4, schemaName);
                if (version == null) s.setNull(5, Types.INTEGER); else s.setInt(5, version);
                s.setString(6, r.status().toString());
                s.setBoolean(7, r.dryRun());
                s.setBoolean(8, forced);
                s.setLong(9, r.durationMillis());
                s.setString(10, json.writeValueAsString(r));
                s.addBatch();
            }
            s.executeBatch();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("deployment report not serialisable", e);
        }
    }

    /** A database's most recent deployment that was not a dry run: what was tried last, and how it ended. */
    public record LastDeployment(String deploymentId, String status, String schemaName, Integer schemaVersion, String deployedAt) {
    }

    /** The last real deployment of each database of the platform, by database name. */
    public Map<String, LastDeployment> lastDeployments(String platform) throws SQLException {
        Map<String, LastDeployment> out = new HashMap<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT DISTINCT ON (database) database, deployment_id, status, schema_name,"
                     + " schema_version, deployed_at FROM deployments WHERE platform = ? AND NOT dry_run ORDER BY database, deployed_at DESC, id DESC")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int v = rs.getInt(5);
                    out.put(rs.getString(1), new LastDeployment(rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.wasNull() ? null : v, rs.getObject(6, java.time.OffsetDateTime.class).toString()));
                }
            }
        }
        return out;
    }

    /** One database's outcome in a recorded deployment: its status ({@code applied}, …) and the schema deployed. */
    public record DeploymentOutcome(String database, String status, String schemaName, boolean dryRun) {
    }

    /** Each database's outcome in deployment {@code deploymentId} of {@code platform}, as recorded; empty when none is. */
    public List<DeploymentOutcome> deploymentOutcomes(String platform, String deploymentId) throws SQLException {
        List<DeploymentOutcome> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT database, status, schema_name, dry_run FROM deployments"
                     + " WHERE deployment_id = ? AND platform = ? ORDER BY id")) {
            s.setString(1, deploymentId);
            s.setString(2, platform);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(new DeploymentOutcome(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
            }
        }
        return out;
    }

    public int deploymentCount(String platform) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM deployments WHERE platform = ?")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * A session-level advisory lock on the platform, held on its own connection until closed, so two deploys or
     * tenant changes of one platform — from any gateway instance — do not run at once. Empty when another holds it.
     */
    public Optional<AutoCloseable> tryLock(String platform) throws SQLException {
        Connection c = control.dataSource().getConnection();
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext('stonescriptdb_gateway'), hashtext(?))")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.close();
                    return Optional.empty();
                }
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return Optional.of(() -> {
            try (c; PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(hashtext('stonescriptdb_gateway'), hashtext(?))")) {
                s.setString(1, platform);
                s.execute();
            }
        });
    }

}
