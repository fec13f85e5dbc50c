package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A fan-out tells each database's result as soon as it is known (#14: progress of long fan-outs). */
class FanOutProgressTest {

    private final Bundle clinic = TestBundles.clinic();

    /** Real connections, remembering which databases were opened, in order. */
    private static final class OpenedConnections implements ConnectionSource {
        final List<String> opened = Collections.synchronizedList(new ArrayList<>());

        @Override
        public Connection open(String database) throws SQLException {
            opened.add(database);
            return TestDatabases.connections().open(database);
        }

        List<String> snapshot() {
            synchronized (opened) {
                return List.copyOf(opened);
            }
        }
    }

    /** What a listener saw: each result, the databases opened by then, and how many calls ran at once. */
    private static final class Recorder implements DeployProgress {
        final List<DatabaseResult> told = Collections.synchronizedList(new ArrayList<>());
        final List<List<String>> openedWhenTold = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        private final OpenedConnections connections;

        Recorder(OpenedConnections connections) {
            this.connections = connections;
        }

        @Override
        public void databaseFinished(DatabaseResult result) {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                told.add(result);
                openedWhenTold.add(connections.snapshot());
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    private static List<String> tenants(String platform, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) names.add(TestPostgres.newDatabase(platform + "_t" + i));
        return names;
    }

    @Test
    void eachDatabaseIsToldOnceAsSoonAsItFinishesMainFirst() {
        String main = TestPostgres.newDatabase("progress_main");
        List<String> tenants = tenants("progress", 3);
        OpenedConnections connections = new OpenedConnections();
        Recorder recorder = new Recorder(connections);

        // One worker: each tenant is told before the next one is opened, which shows "as soon as it is known".
        FanOutResult r = new SchemaEngine(connections).deployAll(clinic, main, tenants,
                DeployOptions.DEFAULT.withParallelism(1), recorder);

        assertThat(recorder.told).containsExactlyElementsOf(r.databases());
        assertThat(recorder.told.getFirst().database()).isEqualTo(main);
        assertThat(recorder.openedWhenTold.getFirst()).as("main is told before any tenant is touched").containsOnly(main);
        for (int i = 1; i < recorder.told.size(); i++) {
            String next = i < tenants.size() ? tenants.get(i) : null;
            assertThat(recorder.openedWhenTold.get(i)).as("when " + tenants.get(i - 1) + " is told").doesNotContain(next);
        }
        assertThat(r.applied()).isEqualTo(4);
    }

    @Test
    void tenantsAreToldFromTheWorkersAtMostParallelismAtOnceEachExactlyOnce() {
        String main = TestPostgres.newDatabase("parprog_main");
        List<String> tenants = tenants("parprog", 6);
        OpenedConnections connections = new OpenedConnections();
        Recorder recorder = new Recorder(connections);

        FanOutResult r = new SchemaEngine(connections).deployAll(clinic, main, tenants,
                DeployOptions.DEFAULT.withParallelism(3), recorder);

        assertThat(recorder.told).hasSize(7).containsExactlyInAnyOrderElementsOf(r.databases());
        assertThat(recorder.told.stream().map(DatabaseResult::database).distinct().count()).isEqualTo(7);
        assertThat(recorder.told.getFirst().database()).isEqualTo(main);
        assertThat(recorder.mostInside.get()).isLessThanOrEqualTo(3);
    }

    @Test
    void aFailingCanaryTellsMainThenEverySkippedTenant() {
        String main = TestPostgres.newDatabase("progcanary_main");
        List<String> tenants = tenants("progcanary", 2);
        TestPostgres.execute(main, "CREATE SCHEMA reporting");
        List<DatabaseResult> told = Collections.synchronizedList(new ArrayList<>());

        FanOutResult r = new SchemaEngine(TestDatabases.connections()).deployAll(clinic, main, tenants, DeployOptions.DEFAULT, told::add);

        assertThat(told).containsExactlyElementsOf(r.databases());
        assertThat(told).extracting(DatabaseResult::status)
                .containsExactly(DeployStatus.FAILED, DeployStatus.SKIPPED, DeployStatus.SKIPPED);
    }

    @Test
    void aListenerThatThrowsDoesNotStopOrChangeTheDeploy() {
        String main = TestPostgres.newDatabase("progthrow_main");
        List<String> tenants = tenants("progthrow", 3);
        AtomicInteger calls = new AtomicInteger();

        FanOutResult r = new SchemaEngine(TestDatabases.connections()).deployAll(clinic, main, tenants, DeployOptions.DEFAULT,
                result -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("the client went away");
                });

        assertThat(calls.get()).isEqualTo(4);
        assertThat(r.applied()).isEqualTo(4);
        for (String t : tenants) assertThat(TestPostgres.queryOne(t, "SELECT count(*) FROM specialties")).isEqualTo("4");
    }

    @Test
    void deployEachHasNoCanaryOneDeploymentIdAndTellsEveryDatabase() {
        List<String> databases = tenants("each", 3);
        // The first one fails: without a canary the others still deploy.
        TestPostgres.execute(databases.getFirst(), "CREATE SCHEMA reporting");
        List<DatabaseResult> told = Collections.synchronizedList(new ArrayList<>());

        FanOutResult r = new SchemaEngine(TestDatabases.connections()).deployEach(clinic, databases, DeployOptions.DEFAULT, told::add);

        assertThat(r.databases()).extracting(DatabaseResult::database).containsExactlyElementsOf(databases);
        assertThat(r.databases()).extracting(DatabaseResult::status)
                .containsExactly(DeployStatus.FAILED, DeployStatus.APPLIED, DeployStatus.APPLIED);
        assertThat(r.databases()).extracting(DatabaseResult::deploymentId).containsOnly(r.deploymentId());
        assertThat(told).containsExactlyInAnyOrderElementsOf(r.databases());
    }
}
