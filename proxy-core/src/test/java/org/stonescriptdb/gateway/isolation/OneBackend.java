package org.stonescriptdb.gateway.isolation;

import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A gateway in transaction pooling with one backend connection per database: every client of a database shares that
 * one backend, so whatever one client leaves in its session is what the next one would find. And the small SQL
 * helpers the isolation tests share.
 */
final class OneBackend {

    private OneBackend() {
    }

    /** @param waitForBackend CONNECTION_TIMEOUT_SECS: how long a client waits for the backend, and a reset may take */
    static GatewayHarness gateway(Duration waitForBackend) throws InterruptedException {
        return gateway(waitForBackend, UnaryOperator.identity());
    }

    static GatewayHarness gateway(Duration waitForBackend, UnaryOperator<GatewayConfig> more) throws InterruptedException {
        return GatewayHarness.start(c -> more.apply(c
                .withPoolMode(PoolMode.TRANSACTION)
                .withPoolLimits(1, 200, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), waitForBackend)));
    }

    /** The first column of every row, as text. */
    static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** The first column of the first row, as text. */
    static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
