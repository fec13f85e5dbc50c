package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.routing.DatabaseName;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

/**
 * The databases that exist on the backend server, read from {@code pg_database} and created over a
 * connection to the maintenance database. Only platform database names ({@link DatabaseName}) are
 * ever created, so the quoted identifier can never carry anything but {@code [a-z0-9_]}.
 */
public final class BackendDatabases {

    /** SQLSTATE duplicate_database: another session created it between our check and our CREATE. */
    private static final String DUPLICATE_DATABASE = SqlState.DUPLICATE_DATABASE;

    private final DataSource maintenance;

    public BackendDatabases(DataSource maintenance) {
        this.maintenance = maintenance;
    }

    public boolean exists(String name) throws SQLException {
        try (Connection c = maintenance.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Every connectable database that is not a template, by name. */
    public Set<String> list() throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Connection c = maintenance.getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn")) {
            while (rs.next()) names.add(rs.getString(1));
        }
        return names;
    }

    /** Creates the database unless it already exists; returns whether it was created by this call. */
    public boolean createIfMissing(DatabaseName name) throws SQLException {
        return createIfMissing(name.text());
    }

    /** The same for the gateway's own control database (a constant name, never client input). */
    boolean createIfMissing(String name) throws SQLException {
        if (exists(name)) return false;
        return create(name, null, null);
    }

    /**
     * {@code CREATE DATABASE}, optionally {@code TEMPLATE}, owned by the platform's role and closed to everyone else
     * ({@link #revokePublicAccess}); false when it exists already. The names are validated platform database names and
     * a role named after a platform ({@code [a-z0-9_]} only): CREATE DATABASE takes no bind parameters.
     */
    public boolean create(DatabaseName name, DatabaseName template, String ownerRole) throws SQLException {
        if (!ownerRole.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("not a platform role: " + ownerRole);
        boolean created = create(name.text(), template == null ? null : template.text(), ownerRole);
        if (created) revokePublicAccess(name.text());
        return created;
    }

    private boolean create(String name, String template, String ownerRole) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"" + (template == null ? "" : " TEMPLATE \"" + template + "\"")
                    + (ownerRole == null ? "" : " OWNER \"" + ownerRole + "\""));
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) return false;
            throw e;
        }
    }

    /**
     * No role but the owner (and the roles that are members of it, as the gateway's own) may connect or create
     * temporary objects: PostgreSQL itself keeps one platform's clients, dblink and postgres_fdw out of another's.
     * Idempotent.
     */
    public void revokePublicAccess(String database) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE \"" + plain(database) + "\" FROM PUBLIC");
        }
    }

    /** The login these connections use. */
    public String currentUser() throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The database's owner, or null when it does not exist. */
    public String owner(String database) throws SQLException {
        try (Connection c = maintenance.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
            s.setString(1, database);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    public void changeOwner(String database, String role) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE \"" + plain(database) + "\" OWNER TO \"" + plain(role) + "\"");
        }
    }

    /** Names spliced into DDL are the gateway's own: platform databases and roles, the control database. */
    private static String plain(String identifier) {
        if (!identifier.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("not a plain identifier: " + identifier);
        return identifier;
    }

    /** {@code DROP DATABASE … WITH (FORCE)}: sessions still connected (outside the gateway) are ended. */
    public boolean drop(DatabaseName name) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name.text() + "\" WITH (FORCE)");
            return true;
        }
    }
}
