package org.stonescriptdb.gateway.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Returns a side-port connection to its session defaults before the pool hands it to the next request: whatever a
 * request set for the session — {@code set_config(…, false)} of role, search_path or a timeout, a temporary table, a
 * prepared statement, a LISTEN, an advisory lock — must not reach a request it was not made for.
 */
final class ConnectionReset {

    private static final Logger LOG = Logger.getLogger(ConnectionReset.class.getName());

    private ConnectionReset() {
    }

    /**
     * Ends any open transaction, then {@code DISCARD ALL} (which refuses to run inside a transaction block, hence the
     * rollback and autocommit first), bounded by {@code timeout} so a reset waiting on a lock cannot hang the pool.
     *
     * @return false when the connection could not be reset; it must then be closed, never reused
     */
    static boolean reset(Connection c, Duration timeout) {
        if (closedUnderneath(c)) {
            // The driver closed it (a request's read budget, a lost server): nothing to reset, nothing to report.
            LOG.fine("a side-port connection was closed by its driver; it is evicted");
            return false;
        }
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                s.execute("DISCARD ALL");
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "a side-port connection could not be reset and is closed", e);
            LOG.warning(() -> "a side-port connection could not be reset (" + e.getMessage() + "); it is closed instead of reused");
            return false;
        }
    }

    /** Whether the driver's connection under the pool's proxy is closed (asking the proxy would fail and be logged). */
    private static boolean closedUnderneath(Connection c) {
        try {
            return c.unwrap(Connection.class).isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
