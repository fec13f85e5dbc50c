package org.stonescriptdb.gateway.schema.history;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/** Writes to the tracking tables and the changelog, inside the deploy's transaction. */
public final class Tracking {

    private final Connection connection;
    private final UUID deploymentId;

    public Tracking(Connection connection, UUID deploymentId) {
        this.connection = connection;
        this.deploymentId = deploymentId;
    }

    public void migration(String name, String checksum) throws SQLException {
        upsert("INSERT INTO " + TrackingTables.MIGRATIONS + " (name, checksum, deployment_id) VALUES (?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum,"
                + " deployment_id = EXCLUDED.deployment_id, applied_at = now()", name, checksum);
    }

    public void type(String name, String kind, String checksum) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + TrackingTables.TYPES
                + " (name, kind, checksum, deployment_id) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                + " kind = EXCLUDED.kind, checksum = EXCLUDED.checksum, deployment_id = EXCLUDED.deployment_id,"
                + " deployed_at = now()")) {
            ps.setString(1, name);
            ps.setString(2, kind);
            ps.setString(3, checksum);
            ps.setObject(4, deploymentId);
            ps.executeUpdate();
        }
    }

    public void table(String name, String checksum) throws SQLException {
        upsert("INSERT INTO " + TrackingTables.TABLES + " (name, checksum, deployment_id) VALUES (?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum,"
                + " deployment_id = EXCLUDED.deployment_id, deployed_at = now()", name, checksum);
    }

    public void forgetTable(String name) throws SQLException {
        delete("DELETE FROM " + TrackingTables.TABLES + " WHERE name = ?", name);
    }

    public void seeder(String name, String checksum) throws SQLException {
        upsert("INSERT INTO " + TrackingTables.SEEDERS + " (name, checksum, deployment_id) VALUES (?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum,"
                + " deployment_id = EXCLUDED.deployment_id", name, checksum);
    }

    public void function(String signature, String routineKind, String name, String header, String checksum, String file)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + TrackingTables.FUNCTIONS
                + " (signature, routine_kind, name, header, checksum, file, deployment_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (signature) DO UPDATE SET routine_kind = EXCLUDED.routine_kind, name = EXCLUDED.name,"
                + " header = EXCLUDED.header, checksum = EXCLUDED.checksum, file = EXCLUDED.file,"
                + " deployment_id = EXCLUDED.deployment_id, deployed_at = now()")) {
            ps.setString(1, signature);
            ps.setString(2, routineKind);
            ps.setString(3, name);
            ps.setString(4, header);
            ps.setString(5, checksum);
            ps.setString(6, file);
            ps.setObject(7, deploymentId);
            ps.executeUpdate();
        }
    }

    public void forgetFunction(String signature) throws SQLException {
        delete("DELETE FROM " + TrackingTables.FUNCTIONS + " WHERE signature = ?", signature);
    }

    /** Records which bundle the database now carries and its schema's shape at this moment (to see drift later). */
    public void bundle(String checksum, String label, String shape) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + TrackingTables.BUNDLE
                + " (checksum, label, deployment_id, shape) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, checksum);
            ps.setString(2, label);
            ps.setObject(3, deploymentId);
            ps.setString(4, shape);
            ps.executeUpdate();
        }
    }

    /** One batch for the whole deploy's changelog, so auditing costs one round trip. */
    public void changelog(List<ChangelogEntry> entries) throws SQLException {
        if (entries.isEmpty()) return;
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + TrackingTables.CHANGELOG
                + " (deployment_id, kind, object, action, old_checksum, new_checksum) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (ChangelogEntry e : entries) {
                ps.setObject(1, deploymentId);
                ps.setString(2, e.kind());
                ps.setString(3, e.object());
                ps.setString(4, e.action());
                ps.setString(5, e.oldChecksum());
                ps.setString(6, e.newChecksum());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void upsert(String sql, String name, String checksum) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, name);
            ps.setString(2, checksum);
            ps.setObject(3, deploymentId);
            ps.executeUpdate();
        }
    }

    private void delete(String sql, String key) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }
}
