package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * libpq's own clients through the gateway, where they are installed ({@code .ci/run} installs them). psql output is
 * compared with the same command run straight against the backend, so the gateway must be invisible.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyCommandLineClientsTest {

    private static final String DB = "tool_main";
    private static final String BENCH = "tool_bench";
    private static final Duration RUN = Duration.ofSeconds(30);
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB,
                "create table if not exists widgets (id int primary key, name text not null, price numeric(8,2))",
                "create index if not exists widgets_name on widgets (name)",
                "create or replace view cheap_widgets as select * from widgets where price < 10",
                "create table if not exists copied (id int, note text)");
        gateway = GatewayHarness.start();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) gateway.close();
    }

    private static void assumePsql() {
        Assumptions.assumeTrue(CommandLine.available("psql"), "psql is not installed");
    }

    private static CommandLine.Result psqlViaGateway(String database, String... args) {
        return psql(gateway.port(), GatewayHarness.CLIENT_USER, database, args);
    }

    private static CommandLine.Result psqlDirect(String database, String... args) {
        return psql(TestPostgres.port(), TestPostgres.SUPERUSER, database, args);
    }

    private static CommandLine.Result psql(int port, String user, String database, String... args) {
        List<String> cmd = new ArrayList<>(List.of("psql", "-X", "-w", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-U", user, "-d", database));
        cmd.addAll(List.of(args));
        return CommandLine.run(RUN, Map.of(), cmd.toArray(String[]::new));
    }

    @Test
    void describeListsTheTenantsRelationsExactlyAsTheBackendDoes() {
        assumePsql();
        CommandLine.Result via = psqlViaGateway(DB, "-c", "\\d");
        assertThat(via.exitCode()).as(via.toString()).isZero();
        assertThat(via.stdout()).contains("widgets").contains("cheap_widgets").contains("copied");
        assertThat(via.stdout()).isEqualTo(psqlDirect(DB, "-c", "\\d").stdout());

        CommandLine.Result table = psqlViaGateway(DB, "-c", "\\d widgets");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.stdout()).contains("widgets_name").isEqualTo(psqlDirect(DB, "-c", "\\d widgets").stdout());
    }

    @Test
    void aMultiStatementSimpleQueryReturnsEveryResult() {
        assumePsql();
        CommandLine.Result via = psqlViaGateway(DB, "-At", "-c", "select 1; select 2;");
        assertThat(via.exitCode()).as(via.toString()).isZero();
        assertThat(via.lines()).containsExactly("1", "2");

        // An error in the middle stops that query string; the session carries on with the next one.
        String[] withError = {"-At", "-c", "select 1; select 1/0; select 3;", "-c", "select 4"};
        CommandLine.Result failing = psqlViaGateway(DB, withError);
        assertThat(failing.stderr()).contains("division by zero");
        assertThat(failing.lines()).contains("4").doesNotContain("3");
        CommandLine.Result direct = psqlDirect(DB, withError);
        assertThat(failing.stdout()).isEqualTo(direct.stdout());
        assertThat(failing.exitCode()).isEqualTo(direct.exitCode());

        // A transaction spelled out in one query string.
        CommandLine.Result tx = psqlViaGateway(DB, "-At", "-c",
                "begin; create temp table t (x int); insert into t values (1), (2); select sum(x) from t; commit;");
        assertThat(tx.exitCode()).as(tx.toString()).isZero();
        assertThat(tx.lines()).contains("3");
    }

    @Test
    void copyInAndOutWithBackslashCopy(@TempDir Path dir) throws Exception {
        assumePsql();
        TestPostgres.execute(DB, "truncate copied");
        Path in = dir.resolve("in.csv");
        StringBuilder csv = new StringBuilder();
        for (int i = 1; i <= 5000; i++) csv.append(i).append(",note ").append(i).append('\n');
        Files.writeString(in, csv);

        CommandLine.Result load = psqlViaGateway(DB, "-c", "\\copy copied (id, note) from '" + in + "' csv");
        assertThat(load.exitCode()).as(load.toString()).isZero();
        assertThat(load.stdout().strip()).isEqualTo("COPY 5000");

        Path out = dir.resolve("out.csv");
        CommandLine.Result dump = psqlViaGateway(DB, "-c", "\\copy (select id, note from copied order by id) to '" + out + "' csv");
        assertThat(dump.exitCode()).as(dump.toString()).isZero();
        assertThat(Files.readString(out)).isEqualTo(csv.toString());

        // A bad row makes the server fail the COPY; the client sees the error, nothing is half-loaded.
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "1,ok\nnot-a-number,bad\n");
        CommandLine.Result rejected = psqlViaGateway(DB, "-c", "\\copy copied (id, note) from '" + bad + "' csv");
        assertThat(rejected.exitCode()).isNotZero();
        assertThat(rejected.stderr()).contains("invalid input syntax for type integer");
        CommandLine.Result count = psqlViaGateway(DB, "-At", "-c", "select count(*) from copied");
        assertThat(count.lines()).containsExactly("5000");
    }

    @Test
    void psqlIsToldAboutAnUnknownDatabaseAndMissingTls() {
        assumePsql();
        CommandLine.Result unknown = psqlViaGateway("tool_nosuch", "-c", "select 1");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("database \"tool_nosuch\" does not exist");

        // libpq's default sslmode=prefer sends SSLRequest first; the gateway answers N and the session continues.
        CommandLine.Result plain = CommandLine.run(RUN, Map.of("PGSSLMODE", "prefer"),
                "psql", "-X", "-w", "-At", "-h", "127.0.0.1", "-p", String.valueOf(gateway.port()), "-U", "app", "-d", DB,
                "-c", "select 'plain'");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(plain.lines()).containsExactly("plain");

        CommandLine.Result tls = CommandLine.run(RUN, Map.of("PGSSLMODE", "require"),
                "psql", "-X", "-w", "-h", "127.0.0.1", "-p", String.valueOf(gateway.port()), "-U", "app", "-d", DB,
                "-c", "select 1");
        assertThat(tls.exitCode()).isEqualTo(2);
        assertThat(tls.stderr()).contains("server does not support SSL");
    }

    @Test
    void pgbenchSelectOnlyRunsWithoutErrors() {
        Assumptions.assumeTrue(CommandLine.available("pgbench"), "pgbench is not installed");
        TestPostgres.createDatabase(BENCH);
        // Created behind the gateway's back: within a second of another test's lookup the registry would not look again.
        gateway.proxy().registry().added(BENCH);
        // Initialise straight on the backend: the load is not what is under test.
        CommandLine.Result init = CommandLine.run(Duration.ofSeconds(50), Map.of(),
                "pgbench", "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p", String.valueOf(TestPostgres.port()),
                "-U", TestPostgres.SUPERUSER, BENCH);
        assertThat(init.exitCode()).as(init.toString()).isZero();

        String port = String.valueOf(gateway.port());
        CommandLine.Result timed = CommandLine.run(RUN, Map.of(),
                "pgbench", "-S", "-c", "4", "-j", "2", "-T", "3", "-h", "127.0.0.1", "-p", port, "-U", "app", BENCH);
        assertNoErrors(timed, -1);

        CommandLine.Result prepared = CommandLine.run(RUN, Map.of(),
                "pgbench", "-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-t", "200", "-h", "127.0.0.1", "-p", port,
                "-U", "app", BENCH);
        assertNoErrors(prepared, 800);

        // A new gateway session per transaction: start-up, routing and pool return, 200 times.
        CommandLine.Result reconnecting = CommandLine.run(RUN, Map.of(),
                "pgbench", "-n", "-S", "-C", "-c", "4", "-j", "2", "-t", "50", "-h", "127.0.0.1", "-p", port,
                "-U", "app", BENCH);
        assertNoErrors(reconnecting, 200);
    }

    private static void assertNoErrors(CommandLine.Result run, int expectedTransactions) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Matcher processed = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(run.stdout());
        assertThat(processed.find()).as(run.toString()).isTrue();
        long done = Long.parseLong(processed.group(1));
        if (expectedTransactions >= 0) assertThat(done).as(run.toString()).isEqualTo(expectedTransactions);
        else assertThat(done).as(run.toString()).isPositive();
        Matcher failed = Pattern.compile("number of failed transactions: (\\d+)").matcher(run.stdout());
        if (failed.find()) assertThat(Long.parseLong(failed.group(1))).as(run.toString()).isZero();
        assertThat(run.stderr()).as(run.toString()).doesNotContainIgnoringCase("error");
    }
}
