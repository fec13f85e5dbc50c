package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant created after a platform has a migration history (issue #14): it gets the current schema from tables/ and
 * what the migrations still do to it, never fails because a migration was written for an older shape, and records
 * every migration as applied.
 */
class NewDatabaseTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
    private static final DeployOptions NEW_DATABASE = DeployOptions.DEFAULT.withNewDatabase(true);

    /** The first version: a title-casing backfill written for the column {@code name}, and a legacy column. */
    private static final Bundle V1 = new Bundle(List.of(
            new BundleFile(BundleKind.TABLES, "patients.pssql", """
                    CREATE TABLE patients (
                        id          SERIAL PRIMARY KEY,
                        name        TEXT NOT NULL,
                        legacy_code TEXT
                    );
                    """),
            new BundleFile(BundleKind.MIGRATIONS, "1_titlecase_names.pssql", "UPDATE patients SET name = initcap(name);")));

    /**
     * The current version: {@code name} renamed, the legacy column dropped by a migration, a reference table filled and
     * an index made by migrations. Migrations 1 and 3 cannot run on a database that starts at this shape.
     */
    private static final Bundle V2;

    static {
        Bundle v2 = TestBundles.with(V1, "tables/patients.pssql", """
                CREATE TABLE patients (
                    id          SERIAL PRIMARY KEY,
                    full_name   TEXT NOT NULL
                );
                """);
        v2 = TestBundles.with(v2, "tables/visit_reasons.pssql", "CREATE TABLE visit_reasons (code TEXT PRIMARY KEY);");
        v2 = TestBundles.with(v2, "migrations/2_rename_name.pssql", "ALTER TABLE patients RENAME COLUMN name TO full_name;");
        v2 = TestBundles.with(v2, "migrations/3_drop_legacy_code.pssql", "ALTER TABLE patients DROP COLUMN legacy_code;");
        v2 = TestBundles.with(v2, "migrations/4_reasons_and_index.pssql", """
                CREATE INDEX patients_full_name_idx ON patients (full_name);
                INSERT INTO visit_reasons (code) VALUES ('checkup'), ('follow-up');
                """);
        V2 = v2;
    }

    private String mainAtV2() {
        String main = TestPostgres.newDatabase("history_main");
        assertThat(engine.deploy(V1, main, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);
        TestPostgres.execute(main, "INSERT INTO patients (name, legacy_code) VALUES ('ada lovelace', 'L1')");
        DatabaseResult upgrade = engine.deploy(V2, main, DeployOptions.DEFAULT);
        assertThat(upgrade.failure()).isNull();
        assertThat(upgrade.status()).isEqualTo(DeployStatus.APPLIED);
        return main;
    }

    @Test
    void aNewTenantStartsAtTheCurrentSchemaAndRecordsTheMigrationsItDidNotNeed() {
        String main = mainAtV2();
        Bundle current = V2;
        String tenant = TestPostgres.newDatabase("history_tenant");

        DatabaseResult created = engine.deploy(current, tenant, NEW_DATABASE);

        assertThat(created.failure()).isNull();
        assertThat(created.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(shapeWithoutTracking(tenant)).isEqualTo(shapeWithoutTracking(main));
        assertThat(TestPostgres.queryOne(tenant, "SELECT string_agg(code, ',' ORDER BY code) FROM visit_reasons")).isEqualTo("checkup,follow-up");
        assertThat(TestPostgres.queryOne(tenant, "SELECT string_agg(name, ',' ORDER BY name) FROM _stonescriptdb_gateway_migrations"))
                .isEqualTo("1_titlecase_names.pssql,2_rename_name.pssql,3_drop_legacy_code.pssql,4_reasons_and_index.pssql");
        assertThat(created.changes()).filteredOn(c -> c.action().startsWith("not needed on a new database"))
                .extracting(AppliedChange::object).containsExactlyInAnyOrder("1_titlecase_names.pssql", "3_drop_legacy_code.pssql");
        assertThat(engine.deploy(current, tenant, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void withoutTheNewDatabaseModeTheHistoryFailsAsBefore() {
        String tenant = TestPostgres.newDatabase("history_plain");

        DatabaseResult plain = engine.deploy(V2, tenant, DeployOptions.DEFAULT);

        assertThat(plain.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(plain.failure().sqlState()).startsWith("42");
    }

    /** One statement of a migration failing for its history does not take the rest of the migration with it. */
    @Test
    void theOtherStatementsOfAMigrationStillRun() {
        Bundle mixed = TestBundles.with(V2, "migrations/5_referrals.pssql", """
                INSERT INTO visit_reasons (code) VALUES ('referral');
                UPDATE patients SET name = initcap(name);
                CREATE INDEX visit_reasons_lower_code_idx ON visit_reasons (lower(code));
                """);
        String tenant = TestPostgres.newDatabase("history_partial");

        DatabaseResult created = engine.deploy(mixed, tenant, NEW_DATABASE);

        assertThat(created.failure()).isNull();
        assertThat(TestPostgres.queryOne(tenant, "SELECT count(*) FROM visit_reasons WHERE code = 'referral'")).isEqualTo("1");
        assertThat(TestPostgres.queryOne(tenant, "SELECT to_regclass('visit_reasons_lower_code_idx') IS NOT NULL")).isEqualTo("t");
        assertThat(created.changes()).filteredOn(c -> c.object().equals("5_referrals.pssql"))
                .extracting(AppliedChange::action).anyMatch(a -> a.contains("failed with 42703 column \"name\" does not exist"));
    }

    /** Only errors of an older shape are forgiven: a migration that raises, or lacks a privilege, fails the tenant. */
    @Test
    void anErrorThatIsNotAboutTheShapeStillFails() {
        Bundle raising = TestBundles.with(V2, "migrations/5_refuse.pssql",
                "DO $$ BEGIN RAISE EXCEPTION 'tenant refused by migration 5'; END $$;");
        Bundle forbidden = TestBundles.with(V2, "migrations/5_read_file.pssql", "SET ROLE pg_monitor; CREATE TABLE x (id int);");
        String a = TestPostgres.newDatabase("history_raise");
        String b = TestPostgres.newDatabase("history_forbidden");

        DatabaseResult raised = engine.deploy(raising, a, NEW_DATABASE);
        DatabaseResult refused = engine.deploy(forbidden, b, NEW_DATABASE);

        assertThat(raised.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(raised.failure().message()).contains("tenant refused by migration 5");
        assertThat(TestPostgres.queryOne(a, "SELECT to_regclass('patients') IS NULL")).isEqualTo("t");
        assertThat(refused.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(refused.failure().sqlState()).isEqualTo("42501");
    }

    private static String shapeWithoutTracking(String database) {
        return String.join("\n", Catalog.shape(database).lines().filter(l -> !l.contains("_stonescriptdb_gateway_")).toList());
    }
}
