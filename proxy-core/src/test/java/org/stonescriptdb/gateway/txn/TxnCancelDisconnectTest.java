package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.testing.WireSession.firstColumn;
import static org.stonescriptdb.gateway.testing.WireSession.status;
import static org.stonescriptdb.gateway.testing.WireSession.types;
import static org.stonescriptdb.gateway.txn.Txn.one;
import static org.stonescriptdb.gateway.txn.Txn.pid;

/** Cancels, clients that vanish, and backends that die, in transaction mode. */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class TxnCancelDisconnectTest {

    private static final String DB = "txncancel_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB, "create table if not exists marks (label text)");
    }

    private static void awaitSleeping() {
        TestPostgres.awaitActiveQuery(DB, "pg_sleep");
    }

    @Test
    void statementCancelStopsTheRunningQuery() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2); Connection c = gw.connect(DB); Statement st = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    awaitSleeping();
                    st.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long started = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> st.executeQuery("select pg_sleep(10)").close());
            cancel.get(5, TimeUnit.SECONDS);
            assertThat((Throwable) e).as("the cancelled query").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
            assertThat(one(c, "select 'after cancel'")).isEqualTo("after cancel");
        }
    }

    @Test
    void aLateCancelDoesNotHitTheNextClientsQueryOnTheSameBackend() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1);
             WireSession a = WireSession.login(gw.port(), DB);
             WireSession b = WireSession.login(gw.port(), DB)) {
            // a's query is over: its backend now serves b.
            assertThat(firstColumn(a.query("select pg_backend_pid()"))).hasSize(1);
            b.send(WireClient.query("select pg_sleep(2)::text || 'b-done'"));
            awaitSleeping();
            long cancelsBefore = gw.proxy().counters().cancelRequests();
            WireSession.cancel(gw.port(), a.processId(), a.secretKey());
            WireSession.cancel(gw.port(), a.processId(), a.secretKey());
            assertThat(gw.proxy().counters().cancelRequests() - cancelsBefore).as("cancel requests the gateway took").isEqualTo(2);
            List<Message> fromB = b.readUntilReady();
            assertThat(types(fromB)).as("b's query ran to its end: " + fromB).isEqualTo("TDCZ");
            assertThat(firstColumn(fromB)).containsExactly("b-done");

            // Control: the same kind of request with b's own key does cancel b.
            b.send(WireClient.query("select pg_sleep(10)"));
            awaitSleeping();
            WireSession.cancel(gw.port(), b.processId(), b.secretKey());
            List<Message> cancelled = b.readUntilReady();
            assertThat(types(cancelled)).isEqualTo("TEZ");
            assertThat(cancelled.get(1).sqlState()).isEqualTo("57014");
            assertThat(status(cancelled.get(cancelled.size() - 1))).isEqualTo('I');
            assertThat(firstColumn(a.query("select 'a still fine'"))).containsExactly("a still fine");
        }
    }

    @Test
    void aClientThatVanishesMidTransactionLeavesNothingBehind() throws Exception {
        TestPostgres.execute(DB, "delete from marks where label = 'ghost'");
        try (GatewayHarness gw = Txn.gateway(1)) {
            WireSession a = WireSession.login(gw.port(), DB);
            List<Message> began = a.query("begin; insert into marks values ('ghost'); select pg_advisory_xact_lock(77)");
            assertThat(status(began.get(began.size() - 1))).isEqualTo('T');
            a.wire().close(); // no Terminate: the socket just goes away
            try (Connection b = gw.connect(DB)) {
                assertThat(one(b, "select count(*) from marks where label = 'ghost'")).as("a's uncommitted insert").isEqualTo("0");
                assertThat(one(b, "select txid_current_if_assigned() is null")).as("b is in a fresh transaction").isEqualTo("t");
                assertThat(one(b, "select pg_try_advisory_xact_lock(77)")).as("a's transaction lock is gone").isEqualTo("t");
                b.setAutoCommit(false);
                assertThat(one(b, "select count(*) from marks where label = 'ghost'")).isEqualTo("0");
                b.commit();
            }
        }
        assertThat(Txn.direct(DB, "select count(*) from marks where label = 'ghost'")).isEqualTo("0");
    }

    @Test
    void aClientThatVanishesMidQueryDoesNotHandItsBusyBackendToTheNextClient() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1)) {
            WireSession a = WireSession.login(gw.port(), DB);
            a.send(WireClient.query("select pg_sleep(1.5)::text || 'for a'"));
            awaitSleeping();
            a.wire().close();
            try (Connection b = gw.connect(DB)) {
                for (int i = 0; i < 3; i++) {
                    assertThat(Txn.rows(b, "select 'for b " + i + "'")).containsExactly("for b " + i);
                }
                b.setAutoCommit(false);
                assertThat(one(b, "select 'in a transaction'")).isEqualTo("in a transaction");
                b.rollback();
            }
        }
    }

    @Test
    void anIdleClientWhoseBackendWasTerminatedRunsItsNextTransactionOnAFreshConnection() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); Connection c = gw.connect(DB)) {
            int old = pid(c);
            Txn.terminate(old);
            assertThat(Txn.eventually(Duration.ofSeconds(5), () -> !Txn.backendAlive(old))).isTrue();
            // The gateway reads the server's FATAL on the idle connection and drops it from the pool.
            Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().totalConnections() == 0, "the terminated backend to leave the pool");
            assertThat(one(c, "select 'still here'")).isEqualTo("still here");
            assertThat(pid(c)).isNotEqualTo(old);
        }
    }

    @Test
    void aClientMidTransactionWhoseBackendWasTerminatedGetsAnError() throws Exception {
        TestPostgres.execute(DB, "delete from marks where label = 'doomed'");
        try (GatewayHarness gw = Txn.gateway(1)) {
            try (Connection c = gw.connect(DB)) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("insert into marks values ('doomed')");
                }
                int backend = pid(c);
                Txn.terminate(backend);
                assertThat(Txn.eventually(Duration.ofSeconds(5), () -> !Txn.backendAlive(backend))).isTrue();
                SQLException e = catchThrowableOfType(SQLException.class, () -> {
                    one(c, "select 1");
                    c.commit();
                });
                assertThat((Throwable) e).as("the next statement of the broken transaction").isNotNull();
                assertThat(e.getSQLState()).isIn("57P01", "08006");
            }
            // The pool recovers for everyone else.
            try (Connection d = gw.connect(DB)) {
                assertThat(one(d, "select 'next client'")).isEqualTo("next client");
            }
        }
        assertThat(Txn.direct(DB, "select count(*) from marks where label = 'doomed'")).isEqualTo("0");
    }

    @Test
    void aClientThatVanishesWhileWaitingForABackendLeavesNoSlotBehind() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); Connection holder = gw.connect(DB)) {
            WireSession a = WireSession.login(gw.port(), DB);
            holder.setAutoCommit(false);
            pid(holder);
            a.send(WireClient.query("insert into marks values ('never')"));
            assertThat(Txn.eventually(Duration.ofSeconds(3), () -> gw.proxy().stats().waitingClients() == 1)).isTrue();
            a.wire().close();
            Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() == 0, "the vanished client to leave the queue");
            holder.commit();
            holder.setAutoCommit(true);
            try (Connection b = gw.connect(DB)) {
                assertThat(one(b, "select 'b served'")).isEqualTo("b served");
            }
            assertThat(one(holder, "select 'holder again'")).isEqualTo("holder again");
            assertThat(gw.proxy().stats().waitingClients()).isZero();
        }
        assertThat(Txn.direct(DB, "select count(*) from marks where label = 'never'")).isEqualTo("0");
    }

    @Test
    void aCancelWhileWaitingForABackendCancelsTheQuery() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); Connection holder = gw.connect(DB); Connection a = gw.connect(DB);
             Statement st = a.createStatement()) {
            holder.setAutoCommit(false);
            pid(holder);
            CompletableFuture<Object> run = CompletableFuture.supplyAsync(() -> {
                try {
                    st.executeQuery("select pg_sleep(2)").close();
                    return "completed";
                } catch (SQLException e) {
                    return e;
                }
            });
            assertThat(Txn.eventually(Duration.ofSeconds(3), () -> gw.proxy().stats().waitingClients() == 1)).isTrue();
            st.cancel();
            // Done once the cancel took the query out of the queue; if it did not, the assertion below says so.
            Await.within(Duration.ofSeconds(5), run::isDone);
            long released = System.nanoTime();
            holder.commit();
            Object outcome = run.get(10, TimeUnit.SECONDS);
            Duration after = Duration.ofNanos(System.nanoTime() - released);
            assertThat(outcome).as("the query cancelled before it got a backend (it finished " + after + " after the backend was free)")
                    .isInstanceOf(SQLException.class);
            assertThat(((SQLException) outcome).getSQLState()).isEqualTo("57014");
        }
    }

    @Test
    void anIdleClientSurvivesItsBackendBeingTerminatedJustBeforeItsNextQuery() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); Connection c = gw.connect(DB)) {
            for (int i = 0; i < 3; i++) {
                int old = pid(c);
                // Waits until the process is gone; the gateway may not have read its FATAL yet.
                Txn.direct(TestPostgres.MAINTENANCE_DATABASE, "select pg_terminate_backend(?, 5000)", old);
                assertThat(one(c, "select 'round " + i + "'")).isEqualTo("round " + i);
                assertThat(pid(c)).isNotEqualTo(old);
            }
        }
    }

    @Test
    void queryTimeoutsRacingCompletionNeverCancelAnotherClient() throws Exception {
        try (GatewayHarness gw = Txn.gateway(1); Connection a = gw.connect(DB); Connection b = gw.connect(DB)) {
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                try (Statement st = b.createStatement()) {
                    while (!done.get()) {
                        try (java.sql.ResultSet rs = st.executeQuery("select pg_sleep(0.03), " + n)) {
                            rs.next();
                            assertThat(rs.getInt(2)).isEqualTo(n);
                        }
                        n++;
                    }
                    return n;
                } catch (SQLException e) {
                    throw new IllegalStateException("b's query " + n + " failed: " + e.getSQLState() + " " + e.getMessage(), e);
                }
            });

            try (Statement st = a.createStatement()) {
                st.setQueryTimeout(1);
                // Sleeps around the timeout: some cancels arrive while a's query runs, some just after it ended.
                for (String seconds : List.of("0.97", "0.99", "1.0", "1.01", "0.98", "1.0")) {
                    try {
                        st.executeQuery("select pg_sleep(" + seconds + ")").close();
                    } catch (SQLException e) {
                        assertThat(e.getSQLState()).isEqualTo("57014");
                    }
                    assertThat(one(a, "select 'a ok'")).isEqualTo("a ok");
                }
            } finally {
                done.set(true);
            }
            assertThat(other.get(20, TimeUnit.SECONDS)).isPositive();
        }
    }
}
