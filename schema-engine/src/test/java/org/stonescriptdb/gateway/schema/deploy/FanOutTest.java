package org.stonescriptdb.gateway.schema.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.RecordingConnections;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** One bundle to a platform's main database and 20 tenants. */
class FanOutTest {

    private final Bundle clinic = TestBundles.clinic();

    /** Real connections, counting how many are open at once. */
    private static final class CountingConnections implements ConnectionSource {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger maxOpen = new AtomicInteger();
        final List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public Connection open(String database) throws java.sql.SQLException {
            Connection real = TestDatabases.connections().open(database);
            order.add(database);
            maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            return (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[]{Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close")) open.decrementAndGet();
                        try {
                            return method.invoke(real, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }

    private static List<String> tenants(String platform, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) names.add(TestPostgres.newDatabase(platform + "_t" + i));
        return names;
    }

    @Test
    void twentyTenantsWithOneFailingReportPerDatabase() throws Exception {
        String main = TestPostgres.newDatabase("medstore_main");
        List<String> tenants = tenants("medstore", 20);
        String broken = tenants.get(6);
        // This tenant already has what migration 1 creates, so its deploy fails there.
        TestPostgres.execute(broken, "CREATE SCHEMA reporting");
        CountingConnections connections = new CountingConnections();

        FanOutResult r = new SchemaEngine(connections).deployAll(clinic, main, tenants, DeployOptions.DEFAULT);

        assertThat(r.databases()).hasSize(21);
        assertThat(r.databases().getFirst().database()).isEqualTo(main);
        assertThat(connections.order.getFirst()).isEqualTo(main);
        assertThat(connections.maxOpen.get()).isLessThanOrEqualTo(4);
        assertThat(connections.open.get()).isZero();
        assertThat(r.applied()).isEqualTo(20);
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.succeeded()).isFalse();
        DatabaseResult failed = r.databases().stream().filter(d -> d.status() == DeployStatus.FAILED).findFirst().orElseThrow();
        assertThat(failed.database()).isEqualTo(broken);
        assertThat(failed.failure().file()).isEqualTo("migrations/1_reporting_schema.pssql");
        assertThat(failed.failure().statement()).isEqualTo("CREATE SCHEMA reporting");
        assertThat(failed.failure().message()).isEqualTo("schema \"reporting\" already exists");
        assertThat(TestPostgres.queryOne(broken, "SELECT to_regclass('patients') IS NULL")).isEqualTo("t");
        for (String t : tenants) {
            if (!t.equals(broken)) assertThat(TestPostgres.queryOne(t, "SELECT count(*) FROM specialties")).isEqualTo("4");
        }

        // Again: every healthy database is unchanged at the cost of one query; the broken one still fails.
        RecordingConnections recording = new RecordingConnections();
        FanOutResult again = new SchemaEngine(recording).deployAll(clinic, main, tenants, DeployOptions.DEFAULT);
        assertThat(again.unchanged()).isEqualTo(20);
        assertThat(again.failed()).isEqualTo(1);
        assertThat(again.databases()).filteredOn(d -> d.status() == DeployStatus.UNCHANGED)
                .allSatisfy(d -> assertThat(d.statementsExecuted()).isZero());
        long checksumQueries = recording.executed().stream().filter(sql -> sql.contains("SELECT 'e', extname")).count();
        assertThat(checksumQueries).isEqualTo(21);

        // The report serialises to the documented JSON shape.
        ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING);
        JsonNode tree = json.readTree(json.writeValueAsString(r));
        assertThat(tree.get("failed").asInt()).isEqualTo(1);
        JsonNode brokenNode = tree.get("databases").get(7);
        assertThat(brokenNode.get("database").asText()).isEqualTo(broken);
        assertThat(brokenNode.get("status").asText()).isEqualTo("failed");
        assertThat(brokenNode.get("failure").get("sql_state").asText()).isEqualTo("42P06");
        assertThat(tree.get("databases").get(0).get("schema_validation").has("dataloss_changes")).isTrue();
        assertThat(tree.get("databases").get(0).get("changes").get(0).has("action")).isTrue();
    }

    @Test
    void aFailingCanaryStopsTheFanOut() {
        String main = TestPostgres.newDatabase("canary_main");
        List<String> tenants = tenants("canary", 3);
        TestPostgres.execute(main, "CREATE SCHEMA reporting");

        FanOutResult r = new SchemaEngine(TestDatabases.connections()).deployAll(clinic, main, tenants, DeployOptions.DEFAULT);

        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.skipped()).isEqualTo(3);
        assertThat(r.databases().get(1).blockers()).singleElement().asString().contains("canary");
        for (String t : tenants) assertThat(TestPostgres.queryOne(t, "SELECT to_regclass('patients') IS NULL")).isEqualTo("t");
    }

    @Test
    void stopOnFirstFailureSkipsTenantsNotYetStarted() {
        String main = TestPostgres.newDatabase("stop_main");
        List<String> tenants = tenants("stop", 4);
        TestPostgres.execute(tenants.get(1), "CREATE SCHEMA reporting");
        DeployOptions options = DeployOptions.DEFAULT.withParallelism(1).withStopOnFirstFailure(true);

        FanOutResult r = new SchemaEngine(TestDatabases.connections()).deployAll(clinic, main, tenants, options);

        assertThat(r.databases()).extracting(DatabaseResult::status).containsExactly(DeployStatus.APPLIED,
                DeployStatus.APPLIED, DeployStatus.FAILED, DeployStatus.SKIPPED, DeployStatus.SKIPPED);
    }

    @Test
    void aDryRunFanOutChangesNoDatabase() {
        String main = TestPostgres.newDatabase("dry_main");
        List<String> tenants = tenants("dry", 2);
        FanOutResult r = new SchemaEngine(TestDatabases.connections())
                .deployAll(clinic, main, tenants, DeployOptions.DEFAULT.withDryRun(true));
        assertThat(r.applied()).isEqualTo(3);
        assertThat(r.dryRun()).isTrue();
        for (String d : List.of(main, tenants.get(0), tenants.get(1))) {
            assertThat(TestPostgres.queryOne(d, "SELECT to_regclass('patients') IS NULL")).isEqualTo("t");
        }
    }
}
