package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.txn.Txn.one;

/**
 * In transaction pooling a login needs no backend once a backend of the server accepted the same startup settings for
 * the database: the client is greeted while every backend of its database is busy, and its queries (and cancels) then
 * go wherever its transactions run. New settings still log in on a backend, which may refuse them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TxnLoginWithoutBackendTest {

    private static final String DB = "txnlogin_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    /** One backend for the database, so one open transaction makes it busy. */
    private static GatewayHarness gateway() throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(1, 10, 10));
    }

    private static Properties props(String... keyValues) {
        Properties p = GatewayHarness.clientProperties();
        for (int i = 0; i < keyValues.length; i += 2) p.setProperty(keyValues[i], keyValues[i + 1]);
        return p;
    }

    /**
     * pgjdbc as a pooled application should use it: with {@code assumeMinServerVersion} it puts application_name in its
     * startup packet instead of sending a SET after the login — a query, which needs a backend.
     */
    private static final Properties PGJDBC = props("assumeMinServerVersion", "12");

    /** A connection whose transaction holds the database's only backend. */
    private static Connection holdTheBackend(GatewayHarness gw) throws SQLException {
        Connection holder = gw.connect(DB, PGJDBC);
        holder.setAutoCommit(false);
        assertThat(one(holder, "select 1")).isEqualTo("1");
        return holder;
    }

    @Test
    void aClientWithKnownSettingsLogsInWhileEveryBackendIsBusyAndRunsOnceOneFrees() throws Exception {
        try (GatewayHarness gw = gateway(); Connection holder = holdTheBackend(gw)) {
            CompletableFuture<Connection> login = CompletableFuture.supplyAsync(() -> {
                try {
                    return gw.connect(DB, PGJDBC);
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Connection greeted = login.get(10, TimeUnit.SECONDS)) {
                assertThat(gw.proxy().stats().totalConnections()).as("still the one backend, held by the other client").isEqualTo(1);
                assertThat(greeted.getMetaData().getDatabaseProductVersion()).as("the server's version, reported at the greeting")
                        .isEqualTo(holder.getMetaData().getDatabaseProductVersion());
                CompletableFuture<String> query = CompletableFuture.supplyAsync(() -> {
                    try {
                        return one(greeted, "select current_setting('TimeZone') || ' ' || current_database()");
                    } catch (SQLException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertThatThrownBy(() -> query.get(500, TimeUnit.MILLISECONDS)).as("waits for the busy backend").isInstanceOf(TimeoutException.class);
                holder.commit();
                assertThat(query.get(10, TimeUnit.SECONDS)).isEqualTo(one(holder, "select current_setting('TimeZone')") + " " + DB);
            }
        }
    }

    @Test
    void newSettingsStillLogInOnABackend() throws Exception {
        try (GatewayHarness gw = gateway(); Connection holder = holdTheBackend(gw)) {
            Properties other = props("assumeMinServerVersion", "12", "options", "-c lock_timeout=4321");
            CompletableFuture<Connection> login = CompletableFuture.supplyAsync(() -> {
                try {
                    return gw.connect(DB, other);
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThatThrownBy(() -> login.get(1, TimeUnit.SECONDS)).as("no backend has accepted these settings yet")
                    .isInstanceOf(TimeoutException.class);
            holder.commit();
            try (Connection c = login.get(10, TimeUnit.SECONDS)) {
                assertThat(one(c, "show lock_timeout")).isEqualTo("4321ms");
            }
        }
    }

    @Test
    void settingsTheServerRefusesAreRefusedAtLoginEveryTime() throws Exception {
        try (GatewayHarness gw = gateway()) {
            Properties bad = props("options", "-c lock_timeout=not-a-number");
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> gw.connect(DB, bad).close()).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
            }
        }
    }

    @Test
    void aCancelForAGreetedClientReachesItsQuery() throws Exception {
        try (GatewayHarness gw = gateway()) {
            gw.connect(DB, PGJDBC).close(); // a backend login with these settings
            try (Connection greeted = gw.connect(DB, PGJDBC); Statement st = greeted.createStatement()) {
                CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
                    try {
                        st.execute("select pg_sleep(30)");
                        return null;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().idleConnections() == 0, "the sleep running on the backend");
                st.cancel();
                SQLException e = sleeping.get(10, TimeUnit.SECONDS);
                assertThat((Throwable) e).isNotNull();
                assertThat(e.getSQLState()).isEqualTo("57014");
                assertThat(one(greeted, "select 1")).isEqualTo("1");
            }
        }
    }
}
