package org.stonescriptdb.gateway.schema.deploy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code lock_timeout} and {@code statement_timeout} for the statements of one deploy attempt after the fast path —
 * the untrusted-extension check and the whole transaction — so a deploy queued behind an application's lock gives up (and
 * is retried) instead of hanging, and a runaway migration ends. Set for the session, not the transaction, because
 * the untrusted-extension step runs before the transaction starts; {@link #reset()} puts the server defaults back before the
 * connection is closed, since a pool may hand it to an application next.
 */
final class DeployTimeouts {

    private final Connection connection;

    private DeployTimeouts(Connection connection) {
        this.connection = connection;
    }

    static DeployTimeouts apply(Connection connection, DeployOptions options) throws SQLException {
        try (Statement st = connection.createStatement()) {
            // Whole milliseconds from validated Durations: nothing from outside reaches this text.
            st.execute("SET lock_timeout = " + Math.max(1, options.lockTimeout().toMillis())
                    + "; SET statement_timeout = " + Math.max(1, options.statementTimeout().toMillis()));
        }
        return new DeployTimeouts(connection);
    }

    /** Best effort: a broken connection is discarded by its pool anyway. */
    void reset() {
        try (Statement st = connection.createStatement()) {
            st.execute("RESET lock_timeout; RESET statement_timeout");
        } catch (SQLException ignored) {
            // The connection is closed or broken; its session and settings go with it.
        }
    }
}
