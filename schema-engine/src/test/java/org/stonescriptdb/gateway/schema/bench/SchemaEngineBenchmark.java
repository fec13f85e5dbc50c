package org.stonescriptdb.gateway.schema.bench;

import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.schema.deploy.FanOutResult;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.ArrayList;
import java.util.List;

/**
 * First deploy and unchanged re-deploy of the clinic bundle to 1 and to N databases on the embedded server.
 * Not a unit test (it takes a while and only prints numbers); run it through SchemaEngineBenchmarkTest:
 * <pre>
 * mvn -q -pl schema-engine test -Dtest=SchemaEngineBenchmarkTest -Dbench.databases=100
 * </pre>
 */
public final class SchemaEngineBenchmark {

    private SchemaEngineBenchmark() {
    }

    public static String run(int databases, int parallelism) {
        Bundle bundle = TestBundles.clinic();
        SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
        StringBuilder report = new StringBuilder();

        String single = TestPostgres.newDatabase("bench_single");
        DatabaseResult first = engine.deploy(bundle, single, DeployOptions.DEFAULT);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long t = System.nanoTime();
            engine.deploy(bundle, single, DeployOptions.DEFAULT);
            best = Math.min(best, System.nanoTime() - t);
        }
        report.append(String.format("1 database: first deploy %d ms (%s, %d statements); unchanged re-deploy best of 20 %.1f ms%n",
                first.durationMillis(), first.status(), first.statementsExecuted(), best / 1e6));

        String main = TestPostgres.newDatabase("bench_main");
        List<String> tenants = new ArrayList<>();
        for (int i = 1; i < databases; i++) tenants.add(TestPostgres.newDatabase("bench_t" + i));
        DeployOptions options = DeployOptions.DEFAULT.withParallelism(parallelism);
        FanOutResult fanOut = engine.deployAll(bundle, main, tenants, options);
        FanOutResult again = engine.deployAll(bundle, main, tenants, options);
        report.append(String.format("%d databases (parallelism %d): first deploy %d ms total (%d applied, %d failed); "
                        + "unchanged re-deploy %d ms total (%d unchanged), %.1f ms per database%n",
                databases, parallelism, fanOut.durationMillis(), fanOut.applied(), fanOut.failed(),
                again.durationMillis(), again.unchanged(), again.durationMillis() / (double) databases));
        // Drop what was created: a hundred databases left behind make stopping the embedded server slow.
        TestPostgres.execute("postgres", "DROP DATABASE " + single);
        TestPostgres.execute("postgres", "DROP DATABASE " + main);
        for (String t : tenants) TestPostgres.execute("postgres", "DROP DATABASE " + t);
        return report.toString();
    }
}
