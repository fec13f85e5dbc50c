package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.Linger;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.txn.Txn.one;

/**
 * After its transaction a client keeps its backend a moment for its next one (POOL_LINGER_MICROS), a few times in a row
 * at most (POOL_LINGER_MAX_TRANSACTIONS): fewer hand-overs, so fewer session resets, while waiting clients still get
 * their turn; and a client that does not come back quickly is not waited for.
 */
class TxnLingerTest {

    private static final String DB = "txnlinger_main";

    @BeforeAll
    static void database() {
        TestPostgres.createDatabase(DB);
    }

    private static GatewayHarness oneBackend(Linger linger) throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(1, 200, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(20)).withLinger(linger));
    }

    private static final int CLIENTS = 4;
    private static final int EACH = 50;

    /** Four clients taking turns on one backend, {@link #EACH} transactions each; returns the resets it took. */
    private static long resetsForBusyClients(GatewayHarness gw) throws Exception {
        long before = gw.proxy().counters().resetsDiscardAll() + gw.proxy().counters().resetsStatements();
        java.util.List<Connection> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) clients.add(gw.connect(DB));
            // A thread each (the common pool may have one thread on a small machine), started together.
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.List<CompletableFuture<Void>> runs = new java.util.ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Connection c = clients.get(i);
                String name = "c" + i + "-";
                CompletableFuture<Void> run = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        loop(c, name, EACH);
                        run.complete(null);
                    } catch (Throwable t) {
                        run.completeExceptionally(t);
                    }
                });
                runs.add(run);
            }
            start.countDown();
            for (CompletableFuture<Void> run : runs) run.get(60, TimeUnit.SECONDS);
        } finally {
            for (Connection c : clients) c.close();
        }
        return gw.proxy().counters().resetsDiscardAll() + gw.proxy().counters().resetsStatements() - before;
    }

    private static void loop(Connection c, String name, int times) {
        try {
            for (int i = 0; i < times; i++) assertThat(one(c, "select '" + name + i + "'")).isEqualTo(name + i);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void busyClientsRunSeveralTransactionsPerHandOverAndAllFinish() throws Exception {
        // A window far longer than a client takes to come back, so keeping is certain: at most one hand-over in 4.
        try (GatewayHarness gw = oneBackend(new Linger(Duration.ofMillis(200), 4))) {
            assertThat(resetsForBusyClients(gw)).as("resets for " + CLIENTS * EACH + " transactions").isLessThanOrEqualTo(CLIENTS * EACH / 4 + CLIENTS);
        }
    }

    @Test
    void withoutLingerBusyClientsHandOverFarMoreOften() throws Exception {
        // The control for the test above: the same clients, contending for one backend, hand it over far more often.
        try (GatewayHarness gw = oneBackend(Linger.off())) {
            assertThat(resetsForBusyClients(gw)).isGreaterThan(CLIENTS * EACH / 4 + CLIENTS);
        }
    }

    @Test
    void aClientWithThinkTimeIsNotWaitedForOnceItShowedIt() throws Exception {
        Duration window = Duration.ofMillis(200);
        try (GatewayHarness gw = oneBackend(new Linger(window, 16)); Connection a = gw.connect(DB)) {
            // Late often enough to bring any score (at most 4, should the driver have come back quickly before) below -1.
            for (int i = 0; i < 6; i++) {
                one(a, "select 1");        // kept for the window, which passes: a is slow to return
                Thread.sleep(window.toMillis() * 2); // the client's think time: being slow is the point
            }
            one(a, "select 2");            // came back late every time: given back at once
            long start = System.nanoTime();
            while (gw.proxy().stats().idleConnections() == 0 && System.nanoTime() - start < window.toNanos()) Thread.onSpinWait();
            assertThat(gw.proxy().stats().idleConnections()).as("the backend back in the pool before the window passed").isEqualTo(1);
        }
    }

    @Test
    void aBackendTerminatedWhileItsClientKeepsItIsReplacedWithoutAWord() throws Exception {
        // A window long enough for the backend to die inside it.
        try (GatewayHarness gw = oneBackend(new Linger(Duration.ofSeconds(30), 16)); Connection c = gw.connect(DB)) {
            for (int i = 0; i < 3; i++) {
                int old = Txn.pid(c);
                Txn.direct(TestPostgres.MAINTENANCE_DATABASE, "select pg_terminate_backend(?, 5000)", old);
                assertThat(Txn.eventually(Duration.ofSeconds(5), () -> gw.proxy().stats().totalConnections() == 0))
                        .as("the dead backend dropped while kept").isTrue();
                assertThat(one(c, "select 'round " + i + "'")).isEqualTo("round " + i);
                assertThat(Txn.pid(c)).isNotEqualTo(old);
            }
        }
    }
}
