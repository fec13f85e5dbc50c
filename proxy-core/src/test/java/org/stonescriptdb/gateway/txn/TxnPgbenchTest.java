package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stonescriptdb.gateway.testing.CommandLine;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * pgbench with 50 clients over 5 backend connections in every query mode, including {@code -M prepared} (which
 * PgBouncer 1.18 fails in transaction mode). Runs where pgbench works ({@code .ci/run} installs it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TxnPgbenchTest {

    private static final String DB = "txnbench_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void initialise() throws Exception {
        Assumptions.assumeTrue(CommandLine.available("pgbench"), "pgbench is not installed (or Debian's pg_wrapper finds no server package)");
        TestPostgres.createDatabase(DB);
        // Straight on the backend: the tables are the fixture, not what is under test.
        CommandLine.Result init = CommandLine.run(Duration.ofSeconds(40), Map.of(), "pgbench", "-i", "-q", "-s", "1",
                "-h", "127.0.0.1", "-p", String.valueOf(TestPostgres.port()), "-U", TestPostgres.SUPERUSER, DB);
        assertThat(init.exitCode()).as("pgbench -i\n" + init).isZero();
        gateway = Txn.gateway(5);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    @ParameterizedTest(name = "-M {0} {1}")
    @CsvSource({"simple, tpcb", "extended, tpcb", "prepared, tpcb", "simple, -S", "extended, -S", "prepared, -S"})
    void fiftyClientsOnFiveBackendsWithoutAFailedTransaction(String mode, String script) {
        List<String> command = new ArrayList<>(List.of("pgbench", "-M", mode, "-c", "50", "-j", "2", "-T", "5", "-n",
                "-h", "127.0.0.1", "-p", String.valueOf(gateway.port()), "-U", GatewayHarness.CLIENT_USER));
        if (script.equals("-S")) command.add("-S");
        command.add(DB);
        long before = gateway.proxy().counters().transactions();
        CommandLine.Result r = CommandLine.run(Duration.ofSeconds(45), Map.of(), command.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).doesNotContainIgnoringCase("error");
        assertThat(number(r, "number of failed transactions: (\\d+)")).as(r.toString()).isZero();
        long processed = number(r, "number of transactions actually processed: (\\d+)");
        assertThat(processed).as(r.toString()).isGreaterThan(50);
        assertThat(number(r, "number of clients: (\\d+)")).isEqualTo(50);
        // Every pgbench transaction was served on a backend (borrowed, or kept from the last: -M prepared adds none for PREPAREs).
        assertThat(gateway.proxy().counters().transactions() - before).isGreaterThanOrEqualTo(processed);
        assertThat(TestPostgres.backendSessions(DB)).as("backend sessions after the run").isLessThanOrEqualTo(5);
    }

    private static long number(CommandLine.Result r, String regex) {
        Matcher m = Pattern.compile(regex).matcher(r.stdout());
        assertThat(m.find()).as("'" + regex + "' in pgbench output\n" + r).isTrue();
        return Long.parseLong(m.group(1));
    }
}
