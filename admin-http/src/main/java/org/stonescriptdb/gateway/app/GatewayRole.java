package org.stonescriptdb.gateway.app;

import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.ControlDatabase;
import org.stonescriptdb.gateway.registry.PlatformAdoption;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * On the embedded server the gateway does not work as the superuser: it creates its own login with only
 * {@code CREATEDB} and {@code CREATEROLE} (what it needs to make platform databases and roles) and uses that; the
 * superuser is left for a DBA. The control database, if an earlier version made it as the superuser, passes to it.
 */
final class GatewayRole {

    private static final Logger LOG = Logger.getLogger(GatewayRole.class.getName());
    static final String NAME = "ssdb_gateway";

    private GatewayRole() {
    }

    /** Creates the role if missing (the embedded server trusts local logins: no password) and returns its target. */
    static BackendTarget prepare(BackendTarget superuser) throws SQLException {
        try (Connection c = DriverManager.getConnection(superuser.jdbcUrl(superuser.maintenanceDatabase()), login(superuser));
             Statement s = c.createStatement()) {
            boolean exists;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                ps.setString(1, NAME);
                try (ResultSet rs = ps.executeQuery()) {
                    exists = rs.next();
                }
            }
            if (!exists) {
                s.execute("CREATE ROLE " + NAME + " LOGIN CREATEDB CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS");
                LOG.info("created the gateway's own role " + NAME + " (CREATEDB, CREATEROLE; not a superuser)");
            } else {
                s.execute("ALTER ROLE " + NAME + " LOGIN CREATEDB CREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS");
            }
        }
        BackendTarget gateway = superuser.withLogin(NAME, "");
        try (HikariDataSource pool = ControlPool.create(superuser)) {
            BackendDatabases asSuperuser = new BackendDatabases(pool);
            if (asSuperuser.exists(ControlDatabase.NAME) && !NAME.equals(asSuperuser.owner(ControlDatabase.NAME))) {
                PlatformAdoption.adopt(asSuperuser, ConnectionSource.jdbc(superuser::jdbcUrl, superuser.user(),
                        superuser.password()), ControlDatabase.NAME, NAME);
                LOG.info("the control database " + ControlDatabase.NAME + " now belongs to " + NAME);
            }
        }
        return gateway;
    }

    private static Properties login(BackendTarget target) {
        Properties p = new Properties();
        p.setProperty("user", target.user());
        if (!target.password().isEmpty()) p.setProperty("password", target.password());
        return p;
    }
}
