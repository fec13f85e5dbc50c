package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/** Backend connections over time: killed by the server, idle too long, too old, pools over MAX_POOLS, dropped databases. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyBackendLifecycleTest {

    private static final String DB = "life_main";
    private static final String OTHER = "life_other";

    @BeforeAll
    static void createDatabases() {
        TestPostgres.createDatabase(DB);
        TestPostgres.createDatabase(OTHER);
    }

    private static GatewayHarness gateway(int perPool, int maxPools, Duration idle, Duration lifetime, Duration connect)
            throws InterruptedException {
        UnaryOperator<GatewayConfig> custom = c -> c.withPoolMode(PoolMode.SESSION).withPoolLimits(perPool, 200, maxPools)
                .withTimeouts(idle, lifetime, connect).withQueryWaitTimeout(connect);
        return GatewayHarness.start(custom);
    }

    private static GatewayHarness gateway(int perPool) throws InterruptedException {
        return gateway(perPool, 50, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(5));
    }

    private static void terminateBackends(String database) {
        TestPostgres.execute("postgres",
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + database + "' and pid <> pg_backend_pid()");
    }

    private static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        Await.until(limit, condition, what);
    }

    @Test
    void aClientWhoseBackendIsTerminatedGetsAnErrorAndTheNextClientIsServed() throws Exception {
        try (GatewayHarness gw = gateway(1)) {
            Connection doomed = gw.connect(DB);
            try {
                assertThat(rows(doomed, "select 1")).containsExactly("1");
                terminateBackends(DB);
                SQLException e = catchThrowableOfType(SQLException.class, () -> rows(doomed, "select 2"));
                assertThat((Throwable) e).as("a query on a terminated backend").isNotNull();
                assertThat(e.getSQLState()).isIn("57P01", "08006", "08003");
            } finally {
                doomed.close();
            }
            long started = System.nanoTime();
            try (Connection next = gw.connect(DB)) {
                assertThat(rows(next, "select 'served'")).containsExactly("served");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void idlePooledConnectionsKilledByTheServerAreNotHandedOut() throws Exception {
        try (GatewayHarness gw = gateway(2)) {
            try (Connection a = gw.connect(DB); Connection b = gw.connect(DB)) {
                rows(a, "select 1");
                rows(b, "select 1");
            }
            awaitTrue("two idle connections", Duration.ofSeconds(5), () -> gw.proxy().stats().idleConnections() == 2);
            terminateBackends(DB);
            awaitTrue("the pool notices its connections are gone", Duration.ofSeconds(5),
                    () -> gw.proxy().stats().totalConnections() == 0);
            for (int i = 0; i < 3; i++) {
                try (Connection c = gw.connect(DB)) {
                    assertThat(rows(c, "select " + i)).containsExactly(String.valueOf(i));
                }
            }
        }
    }

    @Test
    void idleConnectionsAreClosedAfterThePoolIdleTimeout() throws Exception {
        try (GatewayHarness gw = gateway(2, 50, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(5))) {
            try (Connection c = gw.connect(OTHER)) {
                rows(c, "select 1");
            }
            assertThat(TestPostgres.backendSessions(OTHER)).isEqualTo(1);
            awaitTrue("idle backend closed", Duration.ofSeconds(6), () -> TestPostgres.backendSessions(OTHER) == 0);
            assertThat(gw.proxy().stats().totalConnections()).isZero();
            try (Connection c = gw.connect(OTHER)) {
                assertThat(rows(c, "select 'reopened'")).containsExactly("reopened");
            }
        }
    }

    @Test
    void connectionsAreRetiredAfterTheirLifetimeOnlyOnceIdle() throws Exception {
        try (GatewayHarness gw = gateway(1, 50, Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofSeconds(5))) {
            String firstPid;
            try (Connection c = gw.connect(DB)) {
                firstPid = rows(c, "select pg_backend_pid()").get(0);
                // In use past its lifetime: it must not be taken away mid-session. (The time passing is the point.)
                Thread.sleep(1_500);
                assertThat(rows(c, "select pg_backend_pid()")).containsExactly(firstPid);
            }
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select pg_backend_pid()")).doesNotContain(firstPid);
            }
        }
    }

    @Test
    void maxPoolsClosesTheLeastRecentlyUsedIdlePoolToMakeRoom() throws Exception {
        try (GatewayHarness gw = gateway(2, 1, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(1))) {
            try (Connection c = gw.connect(DB)) {
                rows(c, "select 1");
            }
            // DB's pool is idle: it gives way to OTHER.
            try (Connection c = gw.connect(OTHER)) {
                assertThat(rows(c, "select current_database()")).containsExactly(OTHER);
                assertThat(gw.proxy().stats().activePools()).isEqualTo(1);
                // OTHER's pool is busy now, so DB has to wait and times out.
                SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
                assertThat((Throwable) e).as("a second pool with MAX_POOLS=1 and the first one busy").isNotNull();
                assertThat(e.getSQLState()).isEqualTo("53300");
                assertThat(e.getMessage()).contains(DB);
            }
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select current_database()")).containsExactly(DB);
            }
        }
    }

    @Test
    void aDroppedDatabaseIsForgottenAndItsIdleConnectionsClosed() throws Exception {
        String db = "life_gone";
        TestPostgres.createDatabase(db);
        try (GatewayHarness gw = gateway(2)) {
            try (Connection c = gw.connect(db)) {
                rows(c, "select 1");
            }
            awaitTrue("the connection is back in its pool", Duration.ofSeconds(5), () -> gw.proxy().stats().idleConnections() == 1);
            assertThat(TestPostgres.backendSessions(db)).isEqualTo(1);
            gw.proxy().databaseDropped(db);
            awaitTrue("the gateway closes its connections to " + db, Duration.ofSeconds(5), () -> TestPostgres.backendSessions(db) == 0);
            TestPostgres.execute("postgres", "drop database " + db);
            SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(db).close());
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getSQLState()).isEqualTo("3D000");
            assertThat(e.getMessage()).contains("database \"" + db + "\" does not exist");
        }
    }

    @Test
    void aConnectionInUseWhenItsDatabaseIsDroppedIsClosedWhenTheClientLeaves() throws Exception {
        String db = "life_busygone";
        TestPostgres.createDatabase(db);
        try (GatewayHarness gw = gateway(2)) {
            try (Connection c = gw.connect(db)) {
                rows(c, "select 1");
                gw.proxy().databaseDropped(db);
            }
            // Pooling it again would keep the database busy and make a plain DROP DATABASE fail (55006).
            awaitTrue("the gateway closes its connection to " + db + " once released", Duration.ofSeconds(5),
                    () -> TestPostgres.backendSessions(db) == 0);
            TestPostgres.execute("postgres", "drop database " + db);
        } finally {
            TestPostgres.execute("postgres", "drop database if exists " + db + " with (force)");
        }
    }

    @Test
    void whenTheServerBecomesUnreachableClientsGetAConnectionErrorAtOnce() throws Exception {
        org.stonescriptdb.gateway.testing.TcpForwarder relay = new org.stonescriptdb.gateway.testing.TcpForwarder(TestPostgres.port());
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.SESSION)
                .withBackend(new org.stonescriptdb.gateway.config.BackendTarget("127.0.0.1", relay.port(), "postgres", "postgres", ""))
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(3)))) {
            Connection live = gw.connect(DB);
            assertThat(rows(live, "select 1")).containsExactly("1");

            relay.close(); // the server "crashes": relayed connections cut, new ones refused
            SQLException inFlight = catchThrowableOfType(SQLException.class, () -> rows(live, "select 2"));
            assertThat((Throwable) inFlight).as("a session whose server went away").isNotNull();
            assertThat(inFlight.getSQLState()).startsWith("08");
            live.close();

            long started = System.nanoTime();
            SQLException refused = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
            assertThat((Throwable) refused).as("a new client while the server is unreachable").isNotNull();
            assertThat(refused.getSQLState()).as(refused.getMessage()).startsWith("08");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
            assertThat(gw.proxy().stats().totalConnections()).isZero();
        } finally {
            relay.close();
        }
    }

    @Test
    void aServerDownAtStartIsReportedAsUnreachableNotAsAMissingDatabase() throws Exception {
        // Port 1 on loopback: nothing listens, so every connection is refused at once.
        org.stonescriptdb.gateway.config.BackendTarget down =
                new org.stonescriptdb.gateway.config.BackendTarget("127.0.0.1", 1, "postgres", "postgres", "");
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withBackend(down)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(2)))) {
            long started = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
            assertThat((Throwable) e).isNotNull();
            assertThat(e.getSQLState()).as(e.getMessage()).startsWith("08");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aSessionInFlightSurvivesAGracefulShutdownThenEndsWith57P01() throws Exception {
        GatewayHarness gw = gateway(2);
        try {
            Connection c = gw.connect(DB);
            java.util.concurrent.CompletableFuture<List<String>> running = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return rows(c, "select pg_sleep(1)::text || 'finished'");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            TestPostgres.awaitActiveQuery(DB, "'finished'");
            long started = System.nanoTime();
            gw.proxy().shutdown(Duration.ofSeconds(10));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(running.get(5, TimeUnit.SECONDS)).containsExactly("finished");
            assertThat(took).as("shutdown waits for the running query, not the whole grace").isLessThan(Duration.ofSeconds(5));
            SQLException after = catchThrowableOfType(SQLException.class, () -> rows(c, "select 1"));
            assertThat((Throwable) after).as("the session after shutdown").isNotNull();
            assertThat(after.getSQLState()).isIn("57P01", "08006", "08003");
            c.close();
            // No longer accepting.
            SQLException refused = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
            assertThat((Throwable) refused).isNotNull();
        } finally {
            gw.close();
        }
        assertThat(TestPostgres.backendSessions(DB)).as("backend connections left open by a stopped gateway").isZero();
    }

    @Test
    void aShutdownGraceShorterThanTheQueryEndsItWith57P01() throws Exception {
        GatewayHarness gw = gateway(2);
        try (Connection c = gw.connect(DB)) {
            java.util.concurrent.CompletableFuture<SQLException> running = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    rows(c, "select pg_sleep(4)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            TestPostgres.awaitActiveQuery(DB, "pg_sleep(4)");
            gw.proxy().shutdown(Duration.ofMillis(500));
            SQLException e = running.get(8, TimeUnit.SECONDS);
            assertThat((Throwable) e).as("a query outliving the grace period").isNotNull();
            assertThat(e.getSQLState()).isIn("57P01", "08006");
        } finally {
            gw.close();
        }
        // The gateway closed its side; the server ends the session at the latest when the query finishes.
        awaitTrue("backend sessions of a stopped gateway end", Duration.ofSeconds(8), () -> TestPostgres.backendSessions(DB) == 0);
    }
}
