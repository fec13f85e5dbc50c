package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

class TypeAndSeederTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
    private final Bundle clinic = TestBundles.clinic();
    private String db;

    @BeforeEach
    void deployedOnce() {
        db = TestDatabases.createDeployedClinicDatabase("types");
    }

    @Test
    void appendedEnumValuesAreAdded() {
        Bundle b = TestBundles.edit(clinic, "types/appointment_status.pssql", "'cancelled'", "'cancelled',\n    'no_show'");
        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(r.changes()).containsExactly(new AppliedChange("type", "appointment_status", "enum values added",
                "types/appointment_status.pssql"));
        assertThat(TestPostgres.queryOne(db, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum "
                + "WHERE enumtypid = 'appointment_status'::regtype"))
                .isEqualTo("requested,confirmed,checked_in,completed,cancelled,no_show");
    }

    @Test
    void otherEnumChangesAreBlockedWithAnExplanation() {
        String before = Catalog.fingerprint(db);
        Bundle b = TestBundles.edit(clinic, "types/payment_method.pssql", "('cash', 'card',", "('card', 'cash',");
        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(r.status()).isEqualTo(DeployStatus.BLOCKED);
        assertThat(r.blockers()).singleElement().asString()
                .contains("type payment_method (types/payment_method.pssql) changed").contains("add a migration");
        assertThat(engine.deploy(b, db, DeployOptions.DEFAULT.withForce(true)).status()).isEqualTo(DeployStatus.BLOCKED);
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void aCompositeChangeIsAcceptedWhenAMigrationOfTheSameDeployAltersIt() {
        Bundle typeOnly = TestBundles.edit(clinic, "types/postal_address.pssql", "    country     CHAR(2)\n",
                "    country     CHAR(2),\n    region      TEXT\n");
        assertThat(engine.deploy(typeOnly, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.BLOCKED);
        // Merely mentioning the type in a migration is not altering it.
        Bundle mentionOnly = TestBundles.with(typeOnly, "migrations/19_mention.pssql",
                "CREATE TABLE address_book (entry postal_address);");
        assertThat(engine.deploy(mentionOnly, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.BLOCKED);

        Bundle withMigration = TestBundles.with(typeOnly, "migrations/20_address_region.pssql",
                "ALTER TYPE postal_address ADD ATTRIBUTE region TEXT;");
        DatabaseResult r = engine.deploy(withMigration, db, DeployOptions.DEFAULT);
        assertThat(r.failure()).isNull();
        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.changes()).extracting(AppliedChange::object, AppliedChange::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("20_address_region.pssql", "applied"),
                org.assertj.core.groups.Tuple.tuple("postal_address", "changed by migration"));
        assertThat(engine.deploy(withMigration, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void laterDeploysFailWhenASeededRowIsMissing() {
        TestPostgres.execute(db, "DELETE FROM specialties WHERE id IN (2, 3)");
        String before = Catalog.fingerprint(db);
        Bundle b = TestBundles.edit(clinic, "functions/util.pssql", "'Hello, '", "'Hi, '");

        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("seeders/specialties.pssql");
        assertThat(r.failure().message()).contains("specialties(id=2), specialties(id=3)");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
        assertThat(TestPostgres.queryOne(db, "SELECT greeting('x')")).isEqualTo("Hello, x!");

        // Unchanged bundle, same missing rows: the one-query check notices them too.
        assertThat(engine.deploy(clinic, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.FAILED);
    }

    @Test
    void aFirstDeploySeedsOnlyEmptyTables() {
        String fresh = TestPostgres.newDatabase("seed_register");
        Bundle noSeeders = clinic;
        for (String s : new String[]{"clinics", "medications", "specialties", "suppliers"}) {
            noSeeders = TestBundles.with(noSeeders, "seeders/" + s + ".pssql", null);
        }
        engine.deploy(noSeeders, fresh, DeployOptions.DEFAULT);
        TestPostgres.execute(fresh, "INSERT INTO specialties (id, code, name) VALUES (9, 'ONC', 'Oncology')");

        DatabaseResult r = engine.deploy(clinic, fresh, DeployOptions.DEFAULT);

        assertThat(r.changes()).extracting(AppliedChange::object, AppliedChange::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("clinics", "seeded"),
                org.assertj.core.groups.Tuple.tuple("specialties", "not run (table already has rows)"),
                org.assertj.core.groups.Tuple.tuple("suppliers", "seeded"),
                org.assertj.core.groups.Tuple.tuple("medications", "seeded"));
        assertThat(TestPostgres.queryOne(fresh, "SELECT string_agg(code, ',') FROM specialties")).isEqualTo("ONC");
        assertThat(TestPostgres.queryOne(fresh, "SELECT count(*) FROM medications")).isEqualTo("3");
    }

    @Test
    void rowsOfATableCreatedByAMigrationAreMatchedByItsLivePrimaryKey() {
        Bundle b = TestBundles.with(clinic, "seeders/settings.pssql",
                "INSERT INTO clinic_settings (key, value) VALUES ('currency', 'EUR') ON CONFLICT DO NOTHING;");
        assertThat(engine.deploy(b, db, DeployOptions.DEFAULT).changes()).extracting(AppliedChange::action)
                .containsExactly("not run (table already has rows)");

        // The application changed the value, not the key: the seeded row still exists.
        TestPostgres.execute(db, "UPDATE clinic_settings SET value = 'USD' WHERE key = 'currency'");
        DatabaseResult changedValue = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(changedValue.failure()).isNull();
        assertThat(changedValue.status()).isEqualTo(DeployStatus.UNCHANGED);

        TestPostgres.execute(db, "DELETE FROM clinic_settings WHERE key = 'currency'");
        DatabaseResult deleted = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(deleted.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(deleted.failure().message()).contains("clinic_settings(key='currency')");
    }
}
