package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.CommandLine;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * psycopg 3 and asyncpg scripts (test resources {@code clients/}) through the gateway in transaction mode, with
 * more connections than backends. They run with Debian's {@code /usr/bin/python3}, where its
 * {@code python3-psycopg} and {@code python3-asyncpg} are installed ({@code .ci/run} installs them).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TxnPythonClientsTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String DB = "txnpy_main";
    private static final int BACKENDS = 3;
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = Txn.gateway(BACKENDS);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private static void assumeModule(String module) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing");
        CommandLine.Result r = CommandLine.run(Duration.ofSeconds(20), Map.of(), PYTHON, "-c", "import " + module);
        Assumptions.assumeTrue(r.exitCode() == 0, PYTHON + " cannot import " + module + " (Debian package python3-" + module + ")");
    }

    private static CommandLine.Result runScript(String script, int clients, String... extra) throws Exception {
        Path path = Path.of(TxnPythonClientsTest.class.getResource("/clients/" + script).toURI());
        List<String> command = new ArrayList<>(List.of(PYTHON, path.toString(),
                "127.0.0.1", String.valueOf(gateway.port()), DB, GatewayHarness.CLIENT_USER, String.valueOf(clients)));
        command.addAll(List.of(extra));
        return CommandLine.run(Duration.ofSeconds(80), Map.of("PYTHONDONTWRITEBYTECODE", "1"), command.toArray(String[]::new));
    }

    @Test
    void psycopgServerSidePreparedStatements() throws Exception {
        assumeModule("psycopg");
        long before = gateway.proxy().counters().transactions();
        CommandLine.Result r = runScript("psycopg_txn.py", 12, "prepared");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("12 prepared clients").contains("rows OK");
        assertThat(gateway.proxy().counters().transactions() - before).as("backend borrowings").isGreaterThan(12 * 15);
        assertThat(TestPostgres.backendSessions(DB)).isLessThanOrEqualTo(BACKENDS);
    }

    @Test
    void psycopgPipelineMode() throws Exception {
        assumeModule("psycopg");
        CommandLine.Result r = runScript("psycopg_txn.py", 12, "pipeline");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("6 pipeline clients").contains("rows OK");
    }

    @Test
    void psycopgPreparedStatementsAfterFailedTransactions() throws Exception {
        assumeModule("psycopg");
        CommandLine.Result r = runScript("psycopg_txn.py", 12, "rollback");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("rows OK");
    }

    @Test
    void psycopgEvictingPreparedStatements() throws Exception {
        assumeModule("psycopg");
        CommandLine.Result r = runScript("psycopg_txn.py", 4, "rotate");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("4 rotating clients").contains("rows OK");
    }

    /** asyncpg names every statement and prepares it with Parse/Describe/Flush before its Bind (PgCat #761). */
    @Test
    void asyncpgNamedStatementsFlushWithoutSyncAndManyConnections() throws Exception {
        assumeModule("asyncpg");
        long before = gateway.proxy().counters().transactions();
        CommandLine.Result r = runScript("asyncpg_txn.py", 30);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("30 clients on").contains("rows OK");
        assertThat(gateway.proxy().counters().transactions() - before).as("backend borrowings").isGreaterThan(30 * 10);
        assertThat(TestPostgres.backendSessions(DB)).isLessThanOrEqualTo(BACKENDS);
    }
}
