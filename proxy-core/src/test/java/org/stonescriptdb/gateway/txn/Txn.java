package org.stonescriptdb.gateway.txn;

import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Shared set-up for the transaction-pooling tests: a gateway in transaction mode and small SQL helpers. */
final class Txn {

    private Txn() {
    }

    /** A gateway in transaction mode with {@code perPool} backend connections per database. */
    static GatewayHarness gateway(int perPool) throws InterruptedException {
        return GatewayHarness.start(c -> c
                .withPoolMode(PoolMode.TRANSACTION)
                .withPoolLimits(perPool, 200, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)));
    }

    static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    static String one(Connection c, String sql) throws SQLException {
        List<String> r = rows(c, sql);
        if (r.size() != 1) throw new AssertionError(sql + " returned " + r);
        return r.get(0);
    }

    static int pid(Connection c) throws SQLException {
        return Integer.parseInt(one(c, "select pg_backend_pid()"));
    }

    /** One value straight from the backend, bypassing the gateway. */
    static String direct(String database, String sql, Object... params) throws SQLException {
        try (Connection c = TestPostgres.direct(database); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** What the backend process {@code pid} last ran, or null when it is gone. */
    static String lastQueryOf(int pid) throws SQLException {
        return direct(TestPostgres.MAINTENANCE_DATABASE, "select query from pg_stat_activity where pid = ?", pid);
    }

    static boolean backendAlive(int pid) throws SQLException {
        return direct(TestPostgres.MAINTENANCE_DATABASE, "select 1 from pg_stat_activity where pid = ?", pid) != null;
    }

    static void terminate(int pid) throws SQLException {
        direct(TestPostgres.MAINTENANCE_DATABASE, "select pg_terminate_backend(?)", pid);
    }

    /** Polls {@code condition} ({@link Await}); false if it did not hold within {@code within}. */
    static boolean eventually(Duration within, CheckedCondition condition) {
        return Await.within(within, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                throw new IllegalStateException("checking a condition failed: " + e.getMessage(), e);
            }
        });
    }

    @FunctionalInterface
    interface CheckedCondition {
        boolean holds() throws Exception;
    }
}
