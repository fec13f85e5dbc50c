package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationAndRollbackTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
    private final Bundle clinic = TestBundles.clinic();

    private static final List<String> TRACKING = List.of("_stonescriptdb_gateway_migrations", "_stonescriptdb_gateway_types",
            "_stonescriptdb_gateway_tables", "_stonescriptdb_gateway_functions", "_stonescriptdb_gateway_seeders",
            "_stonescriptdb_gateway_changelog");

    private static String state(String db) {
        StringBuilder s = new StringBuilder(Catalog.fingerprint(db));
        for (String t : TRACKING) s.append('\n').append(t).append(":\n").append(Catalog.rows(db, t));
        for (String t : List.of("specialties", "medications", "clinic_settings")) s.append('\n').append(Catalog.rows(db, t));
        return s.toString();
    }

    @Test
    void aFailingMigrationLeavesTheDatabaseExactlyAsBefore() {
        String db = TestPostgres.newDatabase("rollback");
        engine.deploy(clinic, db, DeployOptions.DEFAULT);
        // Along with the broken migration: a new table, a changed function and an added enum value — all must vanish.
        Bundle b = TestBundles.with(clinic, "migrations/20_broken.pssql", """
                CREATE TABLE scratch (id int);
                INSERT INTO clinic_settings (key, value) VALUES ('broken', 'yes');
                UPDATE no_such_table SET x = 1;
                """);
        b = TestBundles.with(b, "tables/rooms.pssql", "CREATE TABLE rooms (id int PRIMARY KEY);");
        b = TestBundles.edit(b, "functions/util.pssql", "'Hello, '", "'Hi, '");
        b = TestBundles.edit(b, "types/payment_method.pssql", "'bank_transfer'", "'bank_transfer', 'voucher'");
        String before = state(db);

        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure()).isEqualTo(new DeployFailure("migrations/20_broken.pssql", "UPDATE no_such_table SET x = 1",
                "42P01", "relation \"no_such_table\" does not exist"));
        assertThat(state(db)).isEqualTo(before);
    }

    @Test
    void aFailingFirstDeployLeavesAnEmptyDatabase() {
        String db = TestPostgres.newDatabase("rollback_first");
        String before = state(db);
        Bundle b = TestBundles.edit(clinic, "seeders/medications.pssql", "(3, 2, 'Amoxicillin", "(3, 99, 'Amoxicillin");

        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("seeders/medications.pssql");
        assertThat(r.failure().sqlState()).isEqualTo("23503");
        assertThat(state(db)).isEqualTo(before);
        assertThat(TestPostgres.queryOne(db, "SELECT to_regclass('_stonescriptdb_gateway_changelog') IS NULL")).isEqualTo("t");
    }

    @Test
    void migrationsRunOnceAndAnEditedAppliedMigrationIsAnErrorUnlessForced() {
        String db = TestPostgres.newDatabase("migrations");
        engine.deploy(clinic, db, DeployOptions.DEFAULT);
        Bundle added = TestBundles.with(clinic, "migrations/11_more_settings.pssql",
                "INSERT INTO clinic_settings (key, value) VALUES ('timezone', 'Europe/Paris');");
        DatabaseResult r = engine.deploy(added, db, DeployOptions.DEFAULT);
        assertThat(r.changes()).containsExactly(new AppliedChange("migration", "11_more_settings.pssql", "applied",
                "migrations/11_more_settings.pssql"));

        // Reformatting does not count as an edit.
        Bundle reformatted = TestBundles.with(added, "migrations/11_more_settings.pssql",
                "-- timezone\ninsert into CLINIC_SETTINGS (key, value)\n    values ('timezone', 'Europe/Paris');");
        assertThat(engine.deploy(reformatted, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);

        Bundle edited = TestBundles.with(added, "migrations/11_more_settings.pssql",
                "INSERT INTO clinic_settings (key, value) VALUES ('timezone', 'Europe/Berlin');");
        DatabaseResult refused = engine.deploy(edited, db, DeployOptions.DEFAULT);
        assertThat(refused.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(refused.failure().file()).isEqualTo("migrations/11_more_settings.pssql");
        assertThat(refused.failure().message()).contains("already applied").contains("force=true");

        DatabaseResult forced = engine.deploy(edited, db, DeployOptions.DEFAULT.withForce(true));
        assertThat(forced.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(forced.changes()).extracting(AppliedChange::action).containsExactly("checksum accepted (force)");
        assertThat(TestPostgres.queryOne(db, "SELECT value FROM clinic_settings WHERE key = 'timezone'")).isEqualTo("Europe/Paris");
        assertThat(engine.deploy(edited, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void dryRunReportsExactlyWhatADeployDoesAndChangesNothing() {
        String db = TestPostgres.newDatabase("dryrun");
        String before = state(db);

        DatabaseResult plan = engine.plan(clinic, db, DeployOptions.DEFAULT);

        assertThat(plan.dryRun()).isTrue();
        assertThat(plan.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(state(db)).isEqualTo(before);
        DatabaseResult real = engine.deploy(clinic, db, DeployOptions.DEFAULT);
        assertThat(real.changes()).isEqualTo(plan.changes());
        assertThat(real.schemaValidation()).isEqualTo(plan.schemaValidation());
        assertThat(engine.plan(clinic, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void anUnavailableExtensionIsNamed() {
        String db = TestPostgres.newDatabase("extension");
        Bundle b = TestBundles.with(clinic, "extensions/pgvectorx.sql", "-- vector search\n");
        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("extensions/pgvectorx.sql");
        assertThat(r.failure().message()).contains("extension 'pgvectorx' is not available");
    }

    /**
     * Deployed as a database owner that is no superuser (as the gateway deploys, as the platform's role): a trusted
     * extension installs, an untrusted one is refused up front with the way out, and nothing of the deploy stays.
     */
    @Test
    void anUntrustedExtensionIsRefusedToANonSuperuserWithTheWayOut() throws Exception {
        TestPostgres.execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ext_owner') THEN "
                + "CREATE ROLE ext_owner LOGIN; END IF; END $$");
        String db = TestPostgres.newDatabase("extowner");
        TestPostgres.execute("postgres", "ALTER DATABASE " + db + " OWNER TO ext_owner");
        TestPostgres.execute(db, "ALTER SCHEMA public OWNER TO ext_owner");
        SchemaEngine asOwner = new SchemaEngine(ConnectionSource.jdbc("127.0.0.1", TestPostgres.port(), "ext_owner", ""));

        DatabaseResult trusted = asOwner.deploy(TestBundles.with(clinic, "extensions/pgcrypto.sql", "-- digests\n"), db, DeployOptions.DEFAULT);
        assertThat(trusted.status()).as(String.valueOf(trusted.failure())).isEqualTo(DeployStatus.APPLIED);

        String other = TestPostgres.newDatabase("extowner");
        TestPostgres.execute("postgres", "ALTER DATABASE " + other + " OWNER TO ext_owner");
        TestPostgres.execute(other, "ALTER SCHEMA public OWNER TO ext_owner");
        DatabaseResult untrusted = asOwner.deploy(TestBundles.with(clinic, "extensions/dblink.sql", "-- links\n"), other, DeployOptions.DEFAULT);
        assertThat(untrusted.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(untrusted.failure().file()).isEqualTo("extensions/dblink.sql");
        assertThat(untrusted.failure().message()).contains("extension 'dblink' is not trusted").contains("have a DBA run CREATE EXTENSION");
        assertThat(TestPostgres.queryOne(other, "SELECT count(*) FROM pg_class WHERE relname = 'patients'")).as("nothing stays").isEqualTo("0");

        // Installed by a DBA, the same bundle deploys.
        TestPostgres.execute(other, "CREATE EXTENSION dblink");
        assertThat(asOwner.deploy(TestBundles.with(clinic, "extensions/dblink.sql", "-- links\n"), other, DeployOptions.DEFAULT).status())
                .isEqualTo(DeployStatus.APPLIED);
    }

    @Test
    void concurrentDeploysToOneDatabaseAreSerialised() throws Exception {
        String db = TestPostgres.newDatabase("concurrent");
        int deploys = 4;
        List<DatabaseResult> results;
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<DatabaseResult>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < deploys; i++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    return engine.deploy(clinic, db, DeployOptions.DEFAULT);
                }));
            }
            start.countDown();
            results = new java.util.ArrayList<>();
            for (var f : futures) results.add(f.get());
        }
        assertThat(results).extracting(DatabaseResult::failure).containsOnlyNulls();
        assertThat(results).filteredOn(r -> r.status() == DeployStatus.APPLIED).hasSize(1);
        assertThat(results).filteredOn(r -> r.status() == DeployStatus.UNCHANGED).hasSize(deploys - 1);
        assertThat(TestPostgres.queryOne(db, "SELECT count(DISTINCT deployment_id) FROM _stonescriptdb_gateway_changelog")).isEqualTo("1");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM specialties")).isEqualTo("4");
    }
}
