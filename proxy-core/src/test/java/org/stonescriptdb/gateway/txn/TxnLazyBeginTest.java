package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.CommandLine;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.testing.WireSession.firstColumn;
import static org.stonescriptdb.gateway.testing.WireSession.status;
import static org.stonescriptdb.gateway.testing.WireSession.types;

/**
 * BEGIN without a backend: answered at once, sent to the backend in front of the transaction's first statement; a
 * transaction with no statement never reaches one; a wait for a busy pool fails the transaction, not the session.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TxnLazyBeginTest {

    private static final String DB = "txnbegin_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB, "create table if not exists marks (who text)");
    }

    private static GatewayHarness gateway(Duration queryWait) throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(1, 10, 10).withQueryWaitTimeout(queryWait));
    }

    private static Message last(List<Message> messages) {
        return messages.getLast();
    }

    /** A session whose transaction holds the database's only backend. */
    private static WireSession holdTheBackend(GatewayHarness gw) throws Exception {
        WireSession holder = WireSession.login(gw.port(), DB);
        assertThat(status(last(holder.query("begin; select 1")))).isEqualTo('T');
        return holder;
    }

    @Test
    void beginIsAnsweredWhileEveryBackendIsBusyAndTheTransactionRunsOnceOneFrees() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(30));
             WireSession client = WireSession.login(gw.port(), DB)) {
            WireSession holder = holdTheBackend(gw);
            List<Message> begun = client.query("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY");
            assertThat(types(begun)).isEqualTo("CZ");
            assertThat(status(last(begun))).isEqualTo('T');

            client.send(WireClient.query("select current_setting('transaction_isolation') || ' ' || current_setting('transaction_read_only')"));
            Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() == 1, "the first statement waits for the backend");
            holder.query("commit");
            List<Message> first = client.readUntilReady();
            assertThat(firstColumn(first)).containsExactly("serializable on");
            assertThat(status(last(first))).isEqualTo('T');
            assertThat(status(last(client.query("commit")))).isEqualTo('I');
            holder.close();
        }
    }

    @Test
    void aTransactionWithNoStatementNeverTakesABackend() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(30));
             WireSession client = WireSession.login(gw.port(), DB)) {
            WireSession holder = holdTheBackend(gw);
            long transactions = gw.proxy().counters().transactions();
            assertThat(status(last(client.query("begin")))).isEqualTo('T');
            assertThat(types(client.query("commit"))).isEqualTo("CZ");
            assertThat(status(last(client.query("start transaction read only")))).isEqualTo('T');
            List<Message> rolledBack = client.query("ROLLBACK;");
            assertThat(status(last(rolledBack))).isEqualTo('I');
            assertThat(gw.proxy().counters().transactions()).as("no backend was asked for").isEqualTo(transactions);
            holder.close();
        }
    }

    @Test
    void aPoolWaitTimeoutFailsTheTransactionAndTheClientsRollbackCleansUp() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(1));
             WireSession client = WireSession.login(gw.port(), DB)) {
            WireSession holder = holdTheBackend(gw);
            assertThat(status(last(client.query("begin")))).isEqualTo('T');
            List<Message> timedOut = client.query("insert into marks values ('lost')");
            assertThat(types(timedOut)).isEqualTo("EZ");
            assertThat(timedOut.getFirst().sqlState()).isEqualTo("53300");
            assertThat(status(last(timedOut))).as("inside the failed transaction, as on the server").isEqualTo('E');
            List<Message> refused = client.query("select 1");
            assertThat(refused.getFirst().sqlState()).isEqualTo("25P02");
            assertThat(status(last(refused))).isEqualTo('E');
            assertThat(status(last(client.query("rollback")))).isEqualTo('I');
            holder.query("commit");
            List<Message> next = client.query("select 'next transaction'");
            assertThat(firstColumn(next)).containsExactly("next transaction");
            assertThat(status(last(next))).isEqualTo('I');
            assertThat(TestPostgres.queryOne(DB, "select count(*) from marks where who = 'lost'")).isEqualTo("0");
            holder.close();
        }
    }

    @Test
    void aClientThatLeavesAfterBeginTouchesNoBackend() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(30))) {
            WireSession holder = holdTheBackend(gw);
            long transactions = gw.proxy().counters().transactions();
            try (WireSession client = WireSession.login(gw.port(), DB)) {
                assertThat(status(last(client.query("begin")))).isEqualTo('T');
            }
            Await.until(Duration.ofSeconds(5), () -> gw.proxy().stats().waitingClients() == 0, "nobody waiting");
            assertThat(gw.proxy().counters().transactions()).isEqualTo(transactions);
            assertThat(firstColumn(holder.query("select 'holder still served'"))).containsExactly("holder still served");
            holder.close();
        }
    }

    /**
     * The drivers that send BEGIN alone (asyncpg, psycopg) meet a pool-wait timeout inside their transaction block; their
     * usual clean-up (a ROLLBACK) leaves the connection usable. Before BEGIN was deferred, the 53300 came back for the
     * BEGIN itself and asyncpg believed a transaction was open (every later one then failed with 25P01).
     */
    @ParameterizedTest
    @ValueSource(strings = {"asyncpg", "psycopg"})
    void aPoolWaitTimeoutLeavesThePythonDriversUsable(String driver) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "/usr/bin/python3 is missing");
        CommandLine.Result hasModule = CommandLine.run(Duration.ofSeconds(20), Map.of(), python.toString(), "-c", "import " + driver);
        Assumptions.assumeTrue(hasModule.exitCode() == 0, "no " + driver + " (Debian package python3-" + driver + ")");
        Path folder = Files.createTempDirectory("wait-timeout");
        Path script = Path.of(TxnLazyBeginTest.class.getResource("/clients/wait_timeout_in_transaction.py").toURI());
        try (GatewayHarness gw = gateway(Duration.ofSeconds(1))) {
            Process p = new ProcessBuilder(python.toString(), script.toString(), driver, "127.0.0.1", String.valueOf(gw.port()), DB,
                    GatewayHarness.CLIENT_USER, folder.toString()).redirectErrorStream(true).start();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                assertThat(out.readLine()).isEqualTo("connected");
                WireSession holder = holdTheBackend(gw);
                Files.createFile(folder.resolve("held"));
                assertThat(out.readLine()).isEqualTo("failed 53300");
                Await.until(Duration.ofSeconds(10), () -> Files.exists(folder.resolve("failed")), "the driver cleaned up");
                holder.query("commit");
                Files.createFile(folder.resolve("released"));
                assertThat(out.readLine()).as("the next transaction on the same connection").isEqualTo("next 42");
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
                holder.close();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * pgjdbc with autocommit off sends its BEGIN in one batch with the transaction's first statement, so the pool-wait
     * timeout fails that statement; the application's rollback leaves the connection usable for the next transaction.
     */
    @Test
    void aPoolWaitTimeoutLeavesAPgjdbcConnectionUsable() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(1));
             java.sql.Connection c = gw.connect(DB)) {
            c.setAutoCommit(false);
            WireSession holder = holdTheBackend(gw);
            try (java.sql.Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.executeUpdate("insert into marks values ('lost by pgjdbc')"))
                        .isInstanceOfSatisfying(java.sql.SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("53300"));
                c.rollback();
                holder.query("commit");
                try (java.sql.ResultSet rs = s.executeQuery("select 42")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(42);
                }
                s.executeUpdate("insert into marks values ('kept by pgjdbc')");
                c.commit();
                // The ROLLBACK the gateway kept for pgjdbc, reused by name on a backend in a transaction of the server's.
                s.executeUpdate("insert into marks values ('rolled back by pgjdbc')");
                c.rollback();
            }
            assertThat(TestPostgres.queryOne(DB, "select count(*) from marks where who = 'rolled back by pgjdbc'")).isEqualTo("0");
            assertThat(TestPostgres.queryOne(DB, "select count(*) from marks where who = 'lost by pgjdbc'")).isEqualTo("0");
            assertThat(TestPostgres.queryOne(DB, "select count(*) from marks where who = 'kept by pgjdbc'")).isEqualTo("1");
            holder.close();
        }
    }

    @Test
    void aSecondBeginReachesTheServerWhichWarns() throws Exception {
        try (GatewayHarness gw = gateway(Duration.ofSeconds(30));
             WireSession client = WireSession.login(gw.port(), DB)) {
            client.query("begin");
            List<Message> again = client.query("begin");
            assertThat(types(again)).as("the server's WARNING, then BEGIN").isEqualTo("NCZ");
            assertThat(status(last(again))).isEqualTo('T');
            assertThat(status(last(client.query("commit")))).isEqualTo('I');
        }
    }
}
