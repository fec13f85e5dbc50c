package org.stonescriptdb.gateway.registry;

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
    private static final String DUPLICATE_DATABASE = "42P04";

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
        return create(name, null);
    }

    /**
     * {@code CREATE DATABASE}, optionally {@code TEMPLATE}; false when it exists already. Both names are validated
     * platform database names ({@code [a-z0-9_]} only): CREATE DATABASE takes no bind parameters.
     */
    public boolean create(DatabaseName name, DatabaseName template) throws SQLException {
        return create(name.text(), template == null ? null : template.text());
    }

    private boolean create(String name, String template) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"" + (template == null ? "" : " TEMPLATE \"" + template + "\""));
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) return false;
            throw e;
        }
    }

    /** {@code DROP DATABASE … WITH (FORCE)}: sessions still connected (outside the gateway) are ended. */
    public boolean drop(DatabaseName name) throws SQLException {
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name.text() + "\" WITH (FORCE)");
            return true;
        }
    }
}
