package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #14: a deploy that cannot get a lock gives up after lock_timeout, rolls back and tries again with backoff;
 * only that database waits. Timeouts are a few hundred milliseconds so the tests stay fast.
 */
class LockSafetyTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());

    /** The clinic bundle plus a column on patients: the deploy needs patients' ACCESS EXCLUSIVE lock. */
    private static final Bundle ALTERS_PATIENTS = TestBundles.edit(TestBundles.clinic(), "tables/patients.pssql",
            "    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()",
            "    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),\n    nickname       TEXT");

    private static final DeployOptions FAST = DeployOptions.DEFAULT
            .withLockTimeout(Duration.ofMillis(150))
            .withLockRetry(new LockRetry(5, Duration.ofMillis(100)));

    private static Connection lockPatients(String db) throws Exception {
        Connection holder = TestPostgres.direct(db);
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
            st.execute("LOCK TABLE patients IN ACCESS EXCLUSIVE MODE");
        }
        return holder;
    }

    private static String hasNickname(String db) {
        return TestPostgres.queryOne(db, "SELECT count(*) FROM information_schema.columns "
                + "WHERE table_name = 'patients' AND column_name = 'nickname'");
    }

    @Test
    void aDeployBehindATableLockRetriesAndSucceedsOnceTheLockIsReleased() throws Exception {
        String db = TestDatabases.createDeployedClinicDatabase("lock_released");
        Connection holder = lockPatients(db);
        DatabaseResult r;
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            // Released after ~2 lock timeouts: inside the retry budget (5 attempts, 100/200/400/800 ms backoff). A timed
            // release, not a wait for a condition: that the lock outlives the first attempts is the point.
            Future<?> release = executor.submit(() -> {
                Thread.sleep(350);
                holder.rollback();
                holder.close();
                return null;
            });
            r = engine.deploy(ALTERS_PATIENTS, db, FAST);
            release.get();
        }

        assertThat(r.status()).as(String.valueOf(r.failure())).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.attempts()).isGreaterThan(1);
        assertThat(r.lockWaitMillis()).isGreaterThanOrEqualTo(150).isLessThanOrEqualTo(r.durationMillis());
        assertThat(hasNickname(db)).isEqualTo("1");
    }

    @Test
    void aLockHeldPastTheRetryBudgetFailsThatDatabaseOnlyAndAppliesNothingThere() throws Exception {
        String main = TestDatabases.createDeployedClinicDatabase("lockfan_main");
        String busy = TestDatabases.createDeployedClinicDatabase("lockfan_busy");
        String free = TestDatabases.createDeployedClinicDatabase("lockfan_free");
        DeployOptions options = FAST.withLockRetry(new LockRetry(3, Duration.ofMillis(50)));
        FanOutResult fan;
        try (Connection holder = lockPatients(busy)) {
            fan = engine.deployAll(ALTERS_PATIENTS, main, List.of(busy, free), options);
            holder.rollback();
        }

        DatabaseResult failed = fan.databases().get(1);
        assertThat(failed.database()).isEqualTo(busy);
        assertThat(failed.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(3);
        // Three lock timeouts and the two backoffs between them (jitter makes those at least 3/4 of 50 and 100 ms).
        assertThat(failed.lockWaitMillis()).isGreaterThanOrEqualTo(3 * 150 + 110);
        assertThat(failed.failure().sqlState()).isEqualTo("55P03");
        assertThat(failed.failure().file()).isEqualTo("tables/patients.pssql");
        assertThat(failed.failure().statement()).contains("patients");
        assertThat(failed.failure().message())
                .contains("lock timeout")
                .contains("after 3 attempts")
                .contains("lock_timeout 150 ms")
                .contains("DEPLOY_LOCK_TIMEOUT_MS");
        assertThat(failed.changes()).isEmpty();
        assertThat(hasNickname(busy)).as("nothing applied").isEqualTo("0");

        assertThat(fan.databases().get(0).status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(fan.databases().get(2).status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(fan.databases().get(2).attempts()).isEqualTo(1);
        assertThat(fan.databases().get(2).lockWaitMillis()).isZero();
        assertThat(hasNickname(main)).isEqualTo("1");
        assertThat(hasNickname(free)).isEqualTo("1");
    }

    @Test
    void aMigrationPastTheStatementTimeoutFailsAtOnceWithoutRetryAndAppliesNothing() {
        String db = TestDatabases.createDeployedClinicDatabase("stmt_timeout");
        Bundle slow = TestBundles.with(TestBundles.clinic(), "migrations/30_slow.pssql", """
                CREATE TABLE slow_marker (id int);
                SELECT pg_sleep(2);
                """);

        DatabaseResult r = engine.deploy(slow, db, FAST.withStatementTimeout(Duration.ofMillis(200)));

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().sqlState()).isEqualTo("57014");
        assertThat(r.failure().file()).isEqualTo("migrations/30_slow.pssql");
        assertThat(r.failure().message()).contains("statement timeout").contains("DEPLOY_STATEMENT_TIMEOUT_SECS");
        assertThat(r.attempts()).as("a statement timeout is not retried").isEqualTo(1);
        assertThat(r.lockWaitMillis()).isZero();
        assertThat(r.durationMillis()).isLessThan(1500);
        assertThat(TestPostgres.queryOne(db, "SELECT to_regclass('slow_marker') IS NULL")).isEqualTo("t");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_migrations "
                + "WHERE name = '30_slow.pssql'")).isEqualTo("0");
    }

    @Test
    void theTimeoutsDoNotOutliveTheDeployOnItsConnection() throws Exception {
        // A pooled connection handed back to applications must not keep the deploy's timeouts.
        String db = TestPostgres.newDatabase("timeouts_reset");
        Connection kept = TestPostgres.direct(db);
        ConnectionSource same = database -> (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{Connection.class}, (proxy, method, args) -> method.getName().equals("close") ? null
                        : invoke(method, kept, args));
        try (kept) {
            assertThat(new SchemaEngine(same).deploy(TestBundles.clinic(), db, FAST).status()).isEqualTo(DeployStatus.APPLIED);
            try (Statement st = kept.createStatement(); var rs = st.executeQuery(
                    "SELECT current_setting('lock_timeout') || '/' || current_setting('statement_timeout')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("0/0");
            }
        }
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
