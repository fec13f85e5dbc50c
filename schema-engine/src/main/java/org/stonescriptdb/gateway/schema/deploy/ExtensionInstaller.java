package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.ExtensionSpec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.logging.Logger;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/** {@link UntrustedExtensions#installedAs}: installs the allowed extensions as an administrative login. */
final class ExtensionInstaller implements UntrustedExtensions {

    private static final Logger LOG = Logger.getLogger(ExtensionInstaller.class.getName());
    /**
     * Serialises installations into one database ("ssdbgw02"): two deploys installing the same extension at once
     * would otherwise both pass IF NOT EXISTS and the second fail on the catalogue's unique index. A key apart
     * from the deploy lock's, so an installation never waits for a long deploy to finish.
     */
    static final long INSTALL_LOCK_KEY = 0x7373_6462_6777_3032L;

    private final String login;
    private final Set<String> allowed;
    private final ConnectionSource connections;

    ExtensionInstaller(String login, Set<String> allowed, ConnectionSource connections) {
        this.login = login;
        this.allowed = Set.copyOf(allowed);
        this.connections = connections;
    }

    @Override
    public boolean allowed(String extension) {
        return allowed.contains(extension);
    }

    @Override
    public String login() {
        return login;
    }

    @Override
    public void install(String database, ExtensionSpec extension, Duration lockTimeout) throws SQLException {
        if (!allowed(extension.name())) {
            // The deploy asks allowed() first; this keeps the promise whoever calls.
            throw new SQLException("extension '" + extension.name() + "' is not allowed by UNTRUSTED_EXTENSIONS", DeploySqlState.INSUFFICIENT_PRIVILEGE);
        }
        try (Connection c = connections.open(database)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setEscapeProcessing(false);
                st.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
                st.execute("SELECT pg_advisory_xact_lock(" + INSTALL_LOCK_KEY + ")");
                if (installed(c, extension.name())) {
                    c.rollback();
                    return;
                }
                if (extension.schema() != null) {
                    // Owned by the database's owner, as it would be had the deploy created it: the platform keeps its schemas.
                    st.execute("CREATE SCHEMA IF NOT EXISTS " + quote(extension.schema()) + " AUTHORIZATION " + quote(owner(c)));
                }
                st.execute(ExtensionStep.createExtension(extension));
                c.commit();
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
        LOG.info(() -> "installed untrusted extension " + extension.name()
                + (extension.version() == null ? "" : " " + extension.version()) + " in database " + database
                + " as " + login + " (allowed by UNTRUSTED_EXTENSIONS)");
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // A broken connection: closing it ends the transaction anyway, and the first error is the one to report.
        }
    }

    private static boolean installed(Connection c, String extension) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = ?")) {
            ps.setString(1, extension);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String owner(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database"
                     + " WHERE datname = current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
