package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.history.DatabaseInspection;
import org.stonescriptdb.gateway.schema.testing.TarBuilder;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each database records the bundle it carries, and what changed in its schema outside the gateway since (#14). */
class CarriedBundleTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());

    private static final List<BundleFile> FILES = List.of(
            new BundleFile(BundleKind.TYPES, "visit_status.pssql", "CREATE TYPE visit_status AS ENUM ('booked', 'done');"),
            new BundleFile(BundleKind.TABLES, "patients.pssql", "CREATE TABLE patients (id SERIAL PRIMARY KEY, full_name TEXT NOT NULL);"),
            new BundleFile(BundleKind.FUNCTIONS, "count_patients.pssql",
                    "CREATE OR REPLACE FUNCTION count_patients() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM patients $$;"));

    private static final Bundle V1 = new Bundle(FILES, "v1.0.0");

    @Test
    void aDeployRecordsTheBundleAndTheDatabaseHasNotDrifted() throws Exception {
        String db = TestPostgres.newDatabase("carried");
        assertThat(engine.deploy(V1, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);

        DatabaseInspection seen = engine.inspect(db);

        assertThat(seen.carried().checksum()).isEqualTo(V1.checksum());
        assertThat(seen.carried().label()).isEqualTo("v1.0.0");
        assertThat(seen.carried().deploymentId()).isNotBlank();
        assertThat(seen.drift().none()).as(seen.drift().toString()).isTrue();
    }

    @Test
    void anUnchangedRedeployWritesNothing() {
        String db = TestPostgres.newDatabase("carried_again");
        engine.deploy(V1, db, DeployOptions.DEFAULT);

        assertThat(engine.deploy(V1, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);

        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_bundle")).isEqualTo("1");
    }

    @Test
    void changesMadeOutsideTheGatewayAreDrift() throws Exception {
        String db = TestPostgres.newDatabase("carried_drift");
        engine.deploy(V1, db, DeployOptions.DEFAULT);
        TestPostgres.execute(db, "ALTER TABLE patients ADD COLUMN notes text");
        TestPostgres.execute(db, "CREATE INDEX patients_notes_idx ON patients (notes)");
        TestPostgres.execute(db, "CREATE OR REPLACE FUNCTION count_patients() RETURNS bigint LANGUAGE sql AS $$ SELECT 42::bigint $$");
        TestPostgres.execute(db, "ALTER TYPE visit_status ADD VALUE 'cancelled'");

        DatabaseInspection seen = engine.inspect(db);

        assertThat(seen.drift().added()).anyMatch(l -> l.startsWith("column public.patients.notes text"))
                .anyMatch(l -> l.startsWith("index CREATE INDEX patients_notes_idx"))
                .anyMatch(l -> l.startsWith("routine count_patients()"))
                .anyMatch(l -> l.equals("type visit_status booked,done,cancelled"));
        assertThat(seen.drift().removed()).anyMatch(l -> l.startsWith("routine count_patients()"))
                .anyMatch(l -> l.equals("type visit_status booked,done"));
        // Data is not drift, and neither is the gateway's own deploy.
        TestPostgres.execute(db, "INSERT INTO patients (full_name) VALUES ('Ada')");
        assertThat(engine.inspect(db).drift().added()).hasSize(seen.drift().added().size());
    }

    @Test
    void aNewLabelAloneIsRecordedWithoutChangingTheSchema() throws Exception {
        String db = TestPostgres.newDatabase("carried_label");
        engine.deploy(V1, db, DeployOptions.DEFAULT);

        DatabaseResult relabelled = engine.deploy(new Bundle(FILES, "v1.0.1"), db, DeployOptions.DEFAULT);

        assertThat(relabelled.status()).isEqualTo(DeployStatus.UNCHANGED);
        assertThat(engine.inspect(db).carried().label()).isEqualTo("v1.0.1");
        assertThat(engine.deploy(new Bundle(FILES, "v1.0.1"), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_bundle")).isEqualTo("2");
    }

    @Test
    void aDatabaseDeployedBeforeRecordsBeganGetsOneOnItsNextDeploy() throws Exception {
        String db = TestPostgres.newDatabase("carried_old");
        engine.deploy(V1, db, DeployOptions.DEFAULT);
        TestPostgres.execute(db, "DROP TABLE _stonescriptdb_gateway_bundle");
        assertThat(engine.inspect(db).carried()).isNull();

        assertThat(engine.deploy(V1, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);

        assertThat(engine.inspect(db).carried().checksum()).isEqualTo(V1.checksum());
    }

    @Test
    void aDryRunRecordsNothing() throws Exception {
        String db = TestPostgres.newDatabase("carried_dry");

        engine.deploy(V1, db, DeployOptions.DEFAULT.withDryRun(true));

        assertThat(engine.inspect(db).carried()).isNull();
    }

    @Test
    void theVersionFileOfAnArchiveIsTheLabel() throws Exception {
        Bundle read = Bundle.fromTarGz(new TarBuilder()
                .file("postgresql/VERSION", "v2.3.0\n")
                .file("postgresql/tables/patients.pssql", "CREATE TABLE patients (id int PRIMARY KEY);")
                .build());
        Bundle unlabelled = Bundle.fromTarGz(new TarBuilder()
                .file("postgresql/tables/patients.pssql", "CREATE TABLE patients (id int PRIMARY KEY);")
                .build());

        assertThat(read.label()).isEqualTo("v2.3.0");
        assertThat(unlabelled.label()).isNull();
        assertThat(read.checksum()).isNotEqualTo(unlabelled.checksum());
        assertThatThrownBy(() -> Bundle.fromTarGz(new TarBuilder().file("VERSION", "v1\nv2\n").build()))
                .isInstanceOf(BundleException.class).hasMessageContaining("one line");
        assertThatThrownBy(() -> Bundle.fromTarGz(new TarBuilder().file("VERSION", "  \n").build()))
                .isInstanceOf(BundleException.class).hasMessageContaining("is empty");
        assertThatThrownBy(() -> Bundle.fromTarGz(new TarBuilder().file("VERSION", "x".repeat(101)).build()))
                .isInstanceOf(BundleException.class).hasMessageContaining("at most 100");
        assertThatThrownBy(() -> Bundle.fromTarGz(new TarBuilder().file("tables/VERSION", "v1").build()))
                .isInstanceOf(BundleException.class);
    }
}
