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
        if (exists(name.text())) return false;
        try (Connection c = maintenance.getConnection(); Statement s = c.createStatement()) {
            // CREATE DATABASE takes no bind parameters; the name is validated by DatabaseName.
            s.execute("CREATE DATABASE \"" + name.text() + "\"");
            return true;
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) return false;
            throw e;
        }
    }
}
