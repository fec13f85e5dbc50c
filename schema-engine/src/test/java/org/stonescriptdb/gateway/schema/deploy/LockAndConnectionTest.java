package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class LockAndConnectionTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());

    @Test
    void aDeployWaitsForTheDeployLockAndGivesUpAfterTheLockTimeout() throws Exception {
        String db = TestPostgres.newDatabase("locked");
        try (Connection holder = TestPostgres.direct(db); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("SELECT pg_advisory_xact_lock(" + DatabaseDeployer.DEPLOY_LOCK_KEY + ")");

            long started = System.nanoTime();
            DatabaseResult r = engine.deploy(TestBundles.clinic(), db, DeployOptions.DEFAULT.withLockTimeout(Duration.ofMillis(500))
                    .withLockRetry(LockRetry.NONE));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
            assertThat(r.failure().sqlState()).isEqualTo("55P03");
            assertThat(r.failure().message()).contains("could not take the deploy lock within PT0.5S");
            assertThat(r.attempts()).isEqualTo(1);
            holder.rollback();
        }
        assertThat(engine.deploy(TestBundles.clinic(), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);
    }

    @Test
    void aDatabaseThatCannotBeReachedIsAFailedResultNotAnException() {
        DatabaseResult r = engine.deploy(TestBundles.clinic(), "no_such_database", DeployOptions.DEFAULT);
        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().sqlState()).isEqualTo("3D000");
        assertThat(r.failure().message()).startsWith("cannot connect to database no_such_database");
    }
}
