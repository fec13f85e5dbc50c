package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.plan.CompiledBundle;
import org.stonescriptdb.gateway.schema.plan.TableSpec;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.RecordingConnections;
import org.stonescriptdb.gateway.schema.testing.TarBuilder;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The realistic clinic bundle deployed to a fresh database, then re-deployed unchanged. */
class FirstDeployTest {

    @Test
    void firstDeployCreatesEverythingInDependencyOrder() throws Exception {
        String db = TestPostgres.newDatabase("first");
        // Through the archive path, as admin-http will receive it.
        Bundle bundle = Bundle.fromTarGz(new TarBuilder().tree(TestBundles.clinicDirectory()).build());
        DatabaseResult r = new SchemaEngine(TestDatabases.connections()).deploy(bundle, db, DeployOptions.DEFAULT);

        assertThat(r.failure()).isNull();
        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.changes()).filteredOn(c -> c.kind().equals("function")).hasSizeGreaterThanOrEqualTo(70);
        assertThat(r.changes()).filteredOn(c -> c.kind().equals("table")).hasSize(13);
        assertThat(r.changes()).filteredOn(c -> c.kind().equals("extension")).extracting(AppliedChange::object)
                .containsExactlyInAnyOrder("uuid-ossp", "pgcrypto");
        assertThat(r.changes()).filteredOn(c -> c.kind().equals("migration")).extracting(AppliedChange::object)
                .containsExactly("1_reporting_schema.pssql", "2_invoice_numbers.pssql", "10_clinic_settings.pssql");

        // Alphabetical order would create appointments before patients and fail; FK order must not.
        List<String> tableOrder = r.changes().stream().filter(c -> c.kind().equals("table")).map(AppliedChange::object).toList();
        assertThat(tableOrder.indexOf("clinics")).isLessThan(tableOrder.indexOf("patients"));
        assertThat(tableOrder.indexOf("patients")).isLessThan(tableOrder.indexOf("appointments"));
        assertThat(tableOrder.indexOf("prescriptions")).isLessThan(tableOrder.indexOf("prescription_items"));
        assertThat(tableOrder).isNotEqualTo(tableOrder.stream().sorted().toList());

        // The schema works: functions from several files cooperate over the seeded data.
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM specialties")).isEqualTo("4");
        assertThat(TestPostgres.queryOne(db, "SELECT setting('currency')")).isEqualTo("EUR");
        assertThat(TestPostgres.queryOne(db, "SELECT greeting('Ada')")).isEqualTo("Hello, Ada!");
        assertThat(TestPostgres.queryOne(db, "SELECT appointment_fee_text(20)")).isEqualTo("30.00 EUR");
        String doctor = TestPostgres.queryOne(db, "SELECT add_doctor(1, 1, 'Dr Who', 'who@clinic.example', 's3cret')");
        assertThat(TestPostgres.queryOne(db, "SELECT doctor_login('who@clinic.example', 's3cret')")).isEqualTo(doctor);
        String patient = TestPostgres.queryOne(db, "SELECT register_patient(1, 'Ada Lovelace', 'ada@example.org')");
        String appointment = TestPostgres.queryOne(db, "SELECT book_appointment(" + patient + ", " + doctor
                + ", now() + interval '1 day')");
        assertThat(TestPostgres.queryOne(db, "SELECT appointment_status_of(" + appointment + ")")).isEqualTo("requested");
        assertThat(TestPostgres.queryOne(db, "SELECT record_lab_result(" + patient + ", 'hb', 13.5) IS NOT NULL")).isEqualTo("t");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM reporting.specialty_load()")).isEqualTo("4");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_changelog WHERE deployment_id = '"
                + r.deploymentId() + "'")).isEqualTo(String.valueOf(r.changes().size()));
    }

    @Test
    void unchangedRedeployIsOneRoundTripAndNoDdl() {
        String db = TestPostgres.newDatabase("unchanged");
        Bundle bundle = TestBundles.clinic();
        assertThat(new SchemaEngine(TestDatabases.connections()).deploy(bundle, db, DeployOptions.DEFAULT).status())
                .isEqualTo(DeployStatus.APPLIED);
        String before = Catalog.fingerprint(db);
        String changelogBefore = Catalog.rows(db, "_stonescriptdb_gateway_changelog");

        RecordingConnections recording = new RecordingConnections();
        DatabaseResult again = new SchemaEngine(recording).deploy(bundle, db, DeployOptions.DEFAULT);

        assertThat(again.status()).isEqualTo(DeployStatus.UNCHANGED);
        assertThat(again.statementsExecuted()).isZero();
        assertThat(again.changes()).isEmpty();
        assertThat(recording.executed()).hasSize(1);
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
        assertThat(Catalog.rows(db, "_stonescriptdb_gateway_changelog")).isEqualTo(changelogBefore);
    }

    @Test
    void compiledClinicBundleIsRealistic() {
        CompiledBundle compiled = SchemaEngine.validate(TestBundles.clinic());
        assertThat(compiled.tables()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(compiled.functions()).hasSizeGreaterThanOrEqualTo(70);
        assertThat(compiled.types()).extracting(t -> t.kind().name()).contains("ENUM", "COMPOSITE", "DOMAIN");
        assertThat(compiled.tables().stream().map(TableSpec::name).toList()).startsWith("audit_log", "clinics");
    }
}
