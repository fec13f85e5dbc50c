package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.metrics.ProxyStats;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import org.stonescriptdb.gateway.config.GatewayConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/** Session pooling: per-pool and global limits, FIFO waiting, 53300 on timeout, reset between clients. */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class ProxyPoolTest {

    private static final String DB = "pool_main";
    private static final String OTHER = "pool_other";

    @BeforeAll
    static void createDatabases() {
        TestPostgres.createDatabase(DB);
        TestPostgres.createDatabase(OTHER);
        TestPostgres.execute(DB, "create table if not exists marks (label text)");
    }

    private static GatewayHarness gateway(int perPool, int total, int timeoutSecs) throws InterruptedException {
        UnaryOperator<GatewayConfig> custom = c -> c
                .withPoolMode(PoolMode.SESSION)
                .withPoolLimits(perPool, total, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(timeoutSecs))
                .withQueryWaitTimeout(Duration.ofSeconds(timeoutSecs));
        return GatewayHarness.start(custom);
    }

    @Test
    void moreClientsThanThePoolAllowsWaitTheirTurnAndAllSucceed() throws Exception {
        int clients = 8;
        try (GatewayHarness gw = gateway(2, 200, 10)) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            AtomicInteger concurrent = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            AtomicInteger backendPeak = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    backendPeak.accumulateAndGet(TestPostgres.backendSessions(DB), Math::max);
                    try {
                        Thread.sleep(50); // the sampling period, not a wait for anything
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int n = i;
                    results.add(pool.submit(() -> {
                        try (Connection c = gw.connect(DB)) {
                            peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                            try {
                                rows(c, "select pg_sleep(0.3)");
                                return Integer.parseInt(rows(c, "select " + n).get(0));
                            } finally {
                                concurrent.decrementAndGet();
                            }
                        }
                    }));
                }
                List<Integer> got = new ArrayList<>();
                for (Future<Integer> f : results) got.add(f.get(30, TimeUnit.SECONDS));
                assertThat(got).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
            } finally {
                sampling.set(false);
                sampler.join(2000);
                pool.shutdownNow();
            }
            assertThat(peak.get()).as("clients holding a session at once").isLessThanOrEqualTo(2);
            assertThat(backendPeak.get()).as("backend sessions on " + DB).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void waitingClientsAreServedInArrivalOrder() throws Exception {
        try (GatewayHarness gw = gateway(1, 200, 15)) {
            Connection holder = gw.connect(DB);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    int n = i;
                    futures.add(pool.submit(() -> {
                        try (Connection c = gw.connect(DB)) {
                            order.add(n);
                            rows(c, "select pg_sleep(0.1)");
                        }
                        return null;
                    }));
                    // Let this client join the queue before the next one arrives (polling, not sleeping: CI may be slow).
                    int queued = i + 1;
                    Await.within(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() >= queued);
                    assertThat(gw.proxy().stats().waitingClients()).as("clients queued").isEqualTo(i + 1);
                }
                assertThat(order).as("nobody gets in while the only connection is held").isEmpty();
                holder.close();
                for (Future<?> f : futures) f.get(20, TimeUnit.SECONDS);
                assertThat(order).containsExactly(0, 1, 2, 3);
            } finally {
                holder.close();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aClientThatWaitsLongerThanTheTimeoutGets53300NamingTheDatabaseAndLimits() throws Exception {
        try (GatewayHarness gw = gateway(2, 200, 1)) {
            List<Connection> holders = new ArrayList<>();
            try {
                holders.add(gw.connect(DB));
                holders.add(gw.connect(DB));
                long started = System.nanoTime();
                SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(DB).close());
                Duration waited = Duration.ofNanos(System.nanoTime() - started);
                assertThat((Throwable) e).as("a third client with both connections held").isNotNull();
                assertThat(e.getSQLState()).isEqualTo("53300");
                assertThat(e.getMessage()).contains(DB).contains("2");
                assertThat(waited).isBetween(Duration.ofMillis(800), Duration.ofSeconds(8));

                // The holders were not disturbed.
                for (Connection h : holders) assertThat(rows(h, "select 'alive'")).containsExactly("alive");
            } finally {
                for (Connection h : holders) h.close();
            }
            // Released connections serve the next client at once.
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select 1")).containsExactly("1");
            }
        }
    }

    @Test
    void statsCountHeldConnectionsAndWaitingClients() throws Exception {
        try (GatewayHarness gw = gateway(1, 200, 10)) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (Connection holder = gw.connect(DB)) {
                rows(holder, "select 1");
                ProxyStats held = gw.proxy().stats();
                assertThat(held.totalConnections()).isGreaterThanOrEqualTo(1);
                assertThat(held.clientConnections()).isEqualTo(1);
                assertThat(held.activePools()).isGreaterThanOrEqualTo(1);

                Future<?> waiter = pool.submit(() -> {
                    try (Connection c = gw.connect(DB)) {
                        rows(c, "select 1");
                    }
                    return null;
                });
                Await.within(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() > 0);
                assertThat(gw.proxy().stats().waitingClients()).as("waiting clients while the only connection is held").isEqualTo(1);
                holder.close();
                waiter.get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(gw.proxy().stats().waitingClients()).isZero();
        }
    }

    @Test
    void theGlobalCapClosesAnotherDatabasesIdleConnectionForAWaitingClient() throws Exception {
        try (GatewayHarness gw = gateway(2, 2, 2)) {
            Connection a1 = gw.connect(DB);
            Connection a2 = gw.connect(DB);
            try {
                // Both connections of the global cap are in use: the other database must wait, then time out.
                SQLException e = catchThrowableOfType(SQLException.class, () -> gw.connect(OTHER).close());
                assertThat((Throwable) e).as("a client of " + OTHER + " with the global cap in use").isNotNull();
                assertThat(e.getSQLState()).isEqualTo("53300");
                assertThat(e.getMessage()).contains(OTHER);
            } finally {
                a1.close();
                a2.close();
            }
            // Now they are idle in DB's pool: one of them is closed so OTHER can be served (within the 2 s wait).
            try (Connection b = gw.connect(OTHER)) {
                assertThat(rows(b, "select current_database()")).containsExactly(OTHER);
            }
            assertThat(TestPostgres.backendSessions(DB) + TestPostgres.backendSessions(OTHER)).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void theNextClientOnTheSameBackendSeesNoneOfThePreviousSessionsState() throws Exception {
        try (GatewayHarness gw = gateway(1, 200, 5)) {
            String firstPid;
            try (Connection c = gw.connect(DB); Statement st = c.createStatement()) {
                firstPid = rows(c, "select pg_backend_pid()").get(0);
                st.execute("set work_mem = '7MB'");
                st.execute("select set_config('application_name', 'leaky', false)");
                st.execute("create temp table session_scratch (x int)");
                st.execute("prepare leaked_plan as select 1");
                st.execute("select pg_advisory_lock(4242)");
                st.execute("listen leaked_channel");
                assertThat(rows(c, "show work_mem")).containsExactly("7MB");
            }
            try (Connection c = gw.connect(DB)) {
                assertThat(rows(c, "select pg_backend_pid()"))
                        .as("with one connection per pool the next client gets the same, reset backend")
                        .containsExactly(firstPid);
                assertThat(rows(c, "show work_mem")).isNotEqualTo(List.of("7MB"));
                assertThat(rows(c, "show application_name")).isNotEqualTo(List.of("leaky"));
                assertThat(rows(c, "select to_regclass('session_scratch') is null")).containsExactly("t");
                assertThat(rows(c, "select count(*) from pg_prepared_statements where name = 'leaked_plan'")).containsExactly("0");
                assertThat(rows(c, "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"))
                        .containsExactly("0");
                assertThat(rows(c, "select count(*) from pg_listening_channels()")).containsExactly("0");
            }
        }
    }

    @Test
    void aClientThatLeavesMidTransactionLeavesNothingBehind() throws Exception {
        TestPostgres.execute(DB, "delete from marks");
        try (GatewayHarness gw = gateway(1, 200, 5)) {
            Connection c = gw.connect(DB);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("insert into marks values ('uncommitted')");
            }
            c.close(); // Terminate while the transaction is open

            try (Connection next = gw.connect(DB); Statement st = next.createStatement()) {
                assertThat(rows(next, "select count(*) from marks")).containsExactly("0");
                st.executeUpdate("insert into marks values ('committed')");
            }
            // Autocommitted by the next client: so it was not running inside the old transaction.
            try (Connection direct = TestPostgres.direct(DB)) {
                assertThat(rows(direct, "select label from marks")).containsExactly("committed");
            }
        }
    }

    @Test
    void aClientThatVanishesMidCopyInLeavesNothingBehind() throws Exception {
        TestPostgres.execute(DB, "delete from marks");
        try (GatewayHarness gw = gateway(1, 200, 10)) {
            try (org.stonescriptdb.gateway.testing.WireClient w = new org.stonescriptdb.gateway.testing.WireClient(gw.port())) {
                w.send(org.stonescriptdb.gateway.testing.WireClient.startupPacket(
                        org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_0, java.util.Map.of("user", "app", "database", DB)));
                w.readUntil('Z');
                w.send(org.stonescriptdb.gateway.testing.WireClient.query("copy marks from stdin"));
                assertThat(w.read().type()).as("CopyInResponse").isEqualTo('G');
                w.send(org.stonescriptdb.gateway.testing.WireClient.typed('d', "half-loaded\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } // socket closed with the COPY still open
            long started = System.nanoTime();
            try (Connection next = gw.connect(DB)) {
                assertThat(rows(next, "select count(*) from marks")).containsExactly("0");
                assertThat(rows(next, "select 'usable'")).containsExactly("usable");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aClientKilledMidQueryDoesNotBlockThePool() throws Exception {
        try (GatewayHarness gw = gateway(1, 200, 10)) {
            Connection victim = gw.connect(DB);
            CountDownLatch running = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<?> sleeper = pool.submit(() -> {
                    try (Statement st = victim.createStatement()) {
                        running.countDown();
                        st.execute("select pg_sleep(30)");
                    } catch (SQLException expected) {
                        // the socket is closed under it
                    }
                    return null;
                });
                assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
                TestPostgres.awaitActiveQuery(DB, "pg_sleep(30)");
                victim.abort(Runnable::run); // drop the TCP connection without a Terminate
                sleeper.get(10, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            long started = System.nanoTime();
            try (Connection next = gw.connect(DB)) {
                assertThat(rows(next, "select 'served'")).containsExactly("served");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
