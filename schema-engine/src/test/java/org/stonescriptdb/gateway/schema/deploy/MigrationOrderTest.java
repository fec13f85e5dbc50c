package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Migrations and declared tables in one deploy (issue #14): each case on a fresh database, on a database at the
 * previous bundle (with a row the application wrote) and on a tenant created later that gets the whole bundle
 * through a fan-out.
 */
class MigrationOrderTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());

    /**
     * The previous bundle. Its first migration creates a sequence the declared table's default uses, so it
     * must run before tables.
     */
    private static final Bundle V1 = new Bundle(List.of(
            new BundleFile(BundleKind.MIGRATIONS, "1_patient_numbers.pssql", "CREATE SEQUENCE patient_number_seq START 1000;"),
            new BundleFile(BundleKind.TABLES, "patients.pssql", """
                    CREATE TABLE patients (
                        id      SERIAL PRIMARY KEY,
                        number  BIGINT NOT NULL DEFAULT nextval('patient_number_seq'),
                        name    TEXT NOT NULL
                    );
                    """)));

    /** Deploys {@code v2} the three ways and runs {@code check} on each database; returns the existing one's result. */
    private DatabaseResult deployEverywhere(Bundle v2, Consumer<String> check) {
        String fresh = TestPostgres.newDatabase("order_fresh");
        DatabaseResult first = engine.deploy(v2, fresh, DeployOptions.DEFAULT);
        assertThat(first.failure()).as("fresh database").isNull();
        assertThat(first.status()).as("fresh database").isEqualTo(DeployStatus.APPLIED);
        check.accept(fresh);

        String existing = TestPostgres.newDatabase("order_existing");
        assertThat(engine.deploy(V1, existing, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);
        TestPostgres.execute(existing, "INSERT INTO patients (name) VALUES ('Ada Lovelace')");
        DatabaseResult upgrade = engine.deploy(v2, existing, DeployOptions.DEFAULT);
        assertThat(upgrade.failure()).as("database at the previous bundle").isNull();
        assertThat(upgrade.blockers()).as("database at the previous bundle").isEmpty();
        assertThat(upgrade.status()).as("database at the previous bundle").isEqualTo(DeployStatus.APPLIED);
        check.accept(existing);
        assertThat(TestPostgres.queryOne(existing, "SELECT number FROM patients WHERE id = 1")).isEqualTo("1000");

        String tenant = TestPostgres.newDatabase("order_tenant");
        FanOutResult all = engine.deployAll(v2, existing, List.of(tenant), DeployOptions.DEFAULT);
        DatabaseResult later = all.databases().get(1);
        assertThat(all.databases().getFirst().status()).isEqualTo(DeployStatus.UNCHANGED);
        assertThat(later.failure()).as("tenant created later").isNull();
        assertThat(later.status()).as("tenant created later").isEqualTo(DeployStatus.APPLIED);
        check.accept(tenant);
        assertThat(engine.deploy(v2, tenant, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
        return upgrade;
    }

    private static String q(String db, String sql) {
        return TestPostgres.queryOne(db, sql);
    }

    /** (a) A migration indexes and fills a declared table that already existed and one new in this deploy. */
    @Test
    void aMigrationIndexesAndFillsDeclaredTablesOldAndNew() {
        Bundle v2 = TestBundles.with(V1, "tables/visits.pssql", """
                CREATE TABLE visits (
                    id          SERIAL PRIMARY KEY,
                    patient_id  INT NOT NULL REFERENCES patients(id),
                    reason      TEXT NOT NULL
                );
                """);
        v2 = TestBundles.with(v2, "migrations/2_registrations.pssql", """
                INSERT INTO patients (name) VALUES ('Grace Hopper');
                CREATE INDEX patients_name_idx ON patients (name);
                CREATE INDEX visits_patient_idx ON visits (patient_id);
                INSERT INTO visits (patient_id, reason) SELECT id, 'registration' FROM patients;
                """);

        deployEverywhere(v2, db -> {
            assertThat(q(db, "SELECT to_regclass('patients_name_idx') IS NOT NULL AND to_regclass('visits_patient_idx') IS NOT NULL"))
                    .isEqualTo("t");
            assertThat(q(db, "SELECT count(*) = (SELECT count(*) FROM patients) FROM visits")).isEqualTo("t");
            assertThat(q(db, "SELECT count(*) FROM patients WHERE name = 'Grace Hopper'")).isEqualTo("1");
        });
    }

    /** (b) A column added in tables/ is back-filled by a migration of the same deploy. */
    @Test
    void aColumnAddedInTablesIsBackFilledByAMigration() {
        Bundle v2 = TestBundles.edit(V1, "tables/patients.pssql", "    name    TEXT NOT NULL",
                "    name    TEXT NOT NULL,\n    nickname TEXT");
        v2 = TestBundles.with(v2, "migrations/2_nicknames.pssql", """
                INSERT INTO patients (name) VALUES ('Grace Hopper');
                UPDATE patients SET nickname = split_part(name, ' ', 1) WHERE nickname IS NULL;
                """);

        DatabaseResult upgrade = deployEverywhere(v2, db ->
                assertThat(q(db, "SELECT count(*) FILTER (WHERE nickname IS NULL) || '/' || count(*) FROM patients"))
                        .as("every patient has a nickname").matches("0/[12]"));
        assertThat(upgrade.schemaValidation().safeChanges()).extracting(c -> c.column()).containsExactly("nickname");
    }

    /** (c) A migration renames a column that tables/ already shows under its new name: applied, not data loss. */
    @Test
    void aRenameByAMigrationIsAppliedNotBlockedAsDataLoss() {
        Bundle v2 = TestBundles.edit(V1, "tables/patients.pssql", "    name    TEXT NOT NULL", "    full_name TEXT NOT NULL");
        v2 = TestBundles.with(v2, "migrations/2_rename_patient_name.pssql",
                "ALTER TABLE patients RENAME COLUMN name TO full_name;");
        v2 = TestBundles.with(v2, "migrations/3_full_name_index.pssql",
                "CREATE INDEX patients_full_name_idx ON patients (full_name);");

        DatabaseResult upgrade = deployEverywhere(v2, db -> {
            assertThat(q(db, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                    + "WHERE attrelid = 'patients'::regclass AND attnum > 0 AND NOT attisdropped")).isEqualTo("id,number,full_name");
            assertThat(q(db, "SELECT to_regclass('patients_full_name_idx') IS NOT NULL")).isEqualTo("t");
            assertThat(q(db, "SELECT count(*) FROM _stonescriptdb_gateway_migrations")).isEqualTo("3");
        });
        assertThat(upgrade.schemaValidation().datalossChanges()).isEmpty();
        assertThat(upgrade.schemaValidation().safeChanges()).isEmpty();
    }

    /** The previous version's row kept its value under the new name. */
    @Test
    void aRenamedColumnKeepsItsData() {
        Bundle v2 = TestBundles.edit(V1, "tables/patients.pssql", "    name    TEXT NOT NULL", "    full_name TEXT NOT NULL");
        v2 = TestBundles.with(v2, "migrations/2_rename_patient_name.pssql",
                "ALTER TABLE patients RENAME COLUMN name TO full_name;");
        String db = TestPostgres.newDatabase("order_rename");
        engine.deploy(V1, db, DeployOptions.DEFAULT);
        TestPostgres.execute(db, "INSERT INTO patients (name) VALUES ('Ada Lovelace')");

        assertThat(engine.deploy(v2, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);

        assertThat(q(db, "SELECT full_name FROM patients")).isEqualTo("Ada Lovelace");
    }

    /**
     * Migrations that create what tables need (a schema, a sequence) still run before tables, in the same deploy as
     * ones that use the tables; a marker sends a migration that names no table after them.
     */
    @Test
    void migrationsThatTablesNeedStillRunFirst() {
        Bundle v2 = TestBundles.with(V1, "migrations/2_archive.pssql", """
                CREATE SCHEMA archive;
                CREATE SEQUENCE visit_number_seq;
                """);
        v2 = TestBundles.with(v2, "tables/archived_patients.pssql",
                "CREATE TABLE archive.patients (id INT PRIMARY KEY, name TEXT NOT NULL);");
        v2 = TestBundles.with(v2, "tables/visits.pssql",
                "CREATE TABLE visits (id BIGINT PRIMARY KEY DEFAULT nextval('visit_number_seq'), patient_id INT REFERENCES patients(id));");
        v2 = TestBundles.with(v2, "migrations/3_archive_everyone.pssql",
                "INSERT INTO archive.patients (id, name) SELECT id, name FROM patients;");
        v2 = TestBundles.with(v2, "migrations/4_reader.pssql", """
                -- ssdb:after-tables
                GRANT SELECT ON ALL TABLES IN SCHEMA archive TO PUBLIC;
                """);

        deployEverywhere(v2, db -> {
            assertThat(q(db, "SELECT (SELECT count(*) FROM archive.patients) = (SELECT count(*) FROM patients)")).isEqualTo("t");
            assertThat(q(db, "SELECT has_table_privilege('public', 'archive.patients', 'SELECT')")).isEqualTo("t");
        });
    }
}
