package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.diff.ColumnChange;
import org.stonescriptdb.gateway.schema.testing.Catalog;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/** Declared tables against the live catalog: each change class, blocking, and force. */
class TableDiffTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
    private final Bundle clinic = TestBundles.clinic();
    private String db;

    @BeforeEach
    void deployedOnce() {
        db = TestDatabases.createDeployedClinicDatabase("tables");
    }

    @Test
    void safeChangesAreAppliedWithoutForce() {
        Bundle b = TestBundles.edit(clinic, "tables/patients.pssql", "    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()",
                "    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),\n    nickname       TEXT");
        b = TestBundles.edit(b, "tables/medications.pssql", "    controlled    BOOLEAN NOT NULL DEFAULT false",
                "    controlled    BOOLEAN NOT NULL DEFAULT false,\n    vat_rate      NUMERIC(4,2) NOT NULL DEFAULT 0");
        b = TestBundles.edit(b, "tables/clinics.pssql", "phone      VARCHAR(30)", "phone      VARCHAR(50)");
        b = TestBundles.edit(b, "tables/stock_movements.pssql", "delta          INTEGER", "delta          BIGINT");
        b = TestBundles.edit(b, "tables/prescriptions.pssql", "valid_days      SMALLINT", "valid_days      INT");
        b = TestBundles.edit(b, "tables/invoices.pssql", "NUMERIC(12,2)", "NUMERIC(14,2)");
        b = TestBundles.edit(b, "tables/specialties.pssql", "name  VARCHAR(80) NOT NULL", "name  TEXT NOT NULL");
        b = TestBundles.edit(b, "tables/suppliers.pssql", "name      VARCHAR(120) NOT NULL", "name      VARCHAR(120)");
        b = TestBundles.with(b, "tables/rooms.pssql", "CREATE TABLE rooms (id SERIAL PRIMARY KEY, clinic_id INT NOT NULL REFERENCES clinics(id), label TEXT NOT NULL);");

        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.failure()).isNull();
        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.schemaValidation().datalossChanges()).isEmpty();
        assertThat(r.schemaValidation().incompatibleChanges()).isEmpty();
        assertThat(r.schemaValidation().safeChanges()).containsExactlyInAnyOrder(
                new ColumnChange("patients", "nickname", "add column", null, "text"),
                new ColumnChange("medications", "vat_rate", "add column", null, "numeric(4,2)"),
                new ColumnChange("clinics", "phone", "widen type", "character varying(30)", "character varying(50)"),
                new ColumnChange("stock_movements", "delta", "widen type", "integer", "bigint"),
                new ColumnChange("prescriptions", "valid_days", "widen type", "smallint", "integer"),
                new ColumnChange("invoices", "total", "widen type", "numeric(12,2)", "numeric(14,2)"),
                new ColumnChange("specialties", "name", "widen type", "character varying(80)", "text"),
                new ColumnChange("suppliers", "name", "drop NOT NULL", "not null", "null"),
                new ColumnChange("rooms", null, "create table", null, null));
        assertThat(TestPostgres.queryOne(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'stock_movements'::regclass AND attname = 'delta'")).isEqualTo("bigint");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM medications WHERE vat_rate = 0")).isEqualTo("3");
        assertThat(TestPostgres.queryOne(db, "SELECT to_regclass('rooms') IS NOT NULL")).isEqualTo("t");

        // The new shape is now the baseline: deploying it again changes nothing.
        assertThat(engine.deploy(b, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    private Bundle dataLossBundle() {
        Bundle b = TestBundles.edit(clinic, "tables/patients.pssql", "    phone          VARCHAR(30),\n", "");
        b = TestBundles.edit(b, "tables/doctors.pssql", "    active         BOOLEAN NOT NULL DEFAULT true,",
                "    active         BOOLEAN NOT NULL DEFAULT true,\n    license_no     VARCHAR(20) NOT NULL,");
        b = TestBundles.edit(b, "tables/medications.pssql", "name          VARCHAR(120) NOT NULL", "name          VARCHAR(60) NOT NULL");
        b = TestBundles.edit(b, "tables/appointments.pssql", "    reason        VARCHAR(200),", "    reason        VARCHAR(200) NOT NULL,");
        return TestBundles.with(b, "tables/stock_movements.pssql", null);
    }

    @Test
    void dataLossChangesBlockTheDeployAndChangeNothing() {
        String before = Catalog.fingerprint(db);

        DatabaseResult r = engine.deploy(dataLossBundle(), db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.BLOCKED);
        assertThat(r.blockers()).singleElement().asString().contains("force=true");
        assertThat(r.schemaValidation().datalossChanges()).containsExactlyInAnyOrder(
                new ColumnChange("patients", "phone", "drop column", "character varying(30)", null),
                new ColumnChange("doctors", "license_no", "add NOT NULL column without default", null, "character varying(20)"),
                new ColumnChange("medications", "name", "narrow type", "character varying(120)", "character varying(60)"),
                new ColumnChange("appointments", "reason", "set NOT NULL", "null", "not null"),
                new ColumnChange("stock_movements", null, "drop table", null, null));
        assertThat(r.schemaValidation().safeChanges()).isEmpty();
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void forceAppliesDataLossChanges() {
        DatabaseResult r = engine.deploy(dataLossBundle(), db, DeployOptions.DEFAULT.withForce(true));

        assertThat(r.failure()).isNull();
        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.schemaValidation().datalossChanges()).hasSize(5);
        assertThat(TestPostgres.queryOne(db, "SELECT to_regclass('stock_movements') IS NULL")).isEqualTo("t");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'patients'::regclass "
                + "AND attname = 'phone' AND NOT attisdropped")).isEqualTo("0");
        assertThat(TestPostgres.queryOne(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'medications'::regclass AND attname = 'name'")).isEqualTo("character varying(60)");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_tables WHERE name = 'stock_movements'")).isEqualTo("0");
        assertThat(engine.deploy(dataLossBundle(), db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    @Test
    void incompatibleChangesBlockAndForceRunsThemInTheTransaction() {
        Bundle b = TestBundles.edit(clinic, "tables/invoices.pssql", "total           NUMERIC(12,2) NOT NULL DEFAULT 0",
                "total           BOOLEAN");
        b = TestBundles.edit(b, "tables/lab_results.pssql", "value_text      TEXT", "value_text      INTEGER");
        String before = Catalog.fingerprint(db);

        DatabaseResult blocked = engine.deploy(b, db, DeployOptions.DEFAULT);
        assertThat(blocked.status()).isEqualTo(DeployStatus.BLOCKED);
        assertThat(blocked.schemaValidation().incompatibleChanges()).containsExactlyInAnyOrder(
                new ColumnChange("invoices", "total", "incompatible type change", "numeric(12,2)", "boolean"),
                new ColumnChange("lab_results", "value_text", "incompatible type change", "text", "integer"));
        assertThat(blocked.schemaValidation().safeChanges()).contains(
                new ColumnChange("invoices", "total", "drop NOT NULL", "not null", "null"));

        // numeric has no cast to boolean: force tries, PostgreSQL refuses, and the whole database rolls back.
        DatabaseResult forced = engine.deploy(b, db, DeployOptions.DEFAULT.withForce(true));
        assertThat(forced.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(forced.failure().file()).isEqualTo("tables/invoices.pssql");
        assertThat(forced.failure().statement()).contains("ALTER COLUMN \"total\" TYPE boolean");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);

        // text → integer does convert (the column is empty), so force applies it.
        Bundle convertible = TestBundles.edit(clinic, "tables/lab_results.pssql", "value_text      TEXT", "value_text      INTEGER");
        DatabaseResult applied = engine.deploy(convertible, db, DeployOptions.DEFAULT.withForce(true));
        assertThat(applied.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(TestPostgres.queryOne(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'lab_results'::regclass AND attname = 'value_text'")).isEqualTo("integer");
    }

    @Test
    void commonColumnTypesAsWrittenMatchTheCatalogSoThereIsNoSpuriousDiff() {
        String db = TestPostgres.newDatabase("types_roundtrip");
        Bundle b = TestBundles.with(clinic, "tables/kitchen_sink.pssql", """
                CREATE TABLE Kitchen_Sink (
                    a int2, b INT4, c int8, d serial4, e SMALLSERIAL, f decimal(8, 3), g NUMERIC, h float4, i FLOAT8,
                    j double precision, k real, l bool, m char, n character(3), o varchar, p character varying(7),
                    q text[], r varchar(20)[], s int[][], t timestamp, u timestamptz(3), v timestamp(0) without time zone,
                    w time, x timetz, y interval, z date, aa bytea, ab uuid, ac json, ad jsonb, ae inet, af cidr,
                    ag macaddr, ah bit(4), ai varbit(8), aj money, ak tsvector, al int4range, am email_address,
                    an postal_address, ao appointment_status[], ap public.dosage, aq "char",
                    ar bigint GENERATED ALWAYS AS IDENTITY, as_ numeric(6) NOT NULL DEFAULT 0
                );
                """);
        assertThat(engine.deploy(b, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.APPLIED);
        // Force the full path (a changed function) so the table is diffed against the live catalog.
        DatabaseResult again = engine.deploy(TestBundles.edit(b, "functions/util.pssql", "'Hello, '", "'Hey, '"), db,
                DeployOptions.DEFAULT);
        assertThat(again.schemaValidation()).isEqualTo(SchemaValidation.EMPTY);
        assertThat(again.changes()).extracting(AppliedChange::object).containsExactly("greeting(text)");
    }

    @Test
    void aTableDroppedByHandAndFromTheBundleIsForgotten() {
        TestPostgres.execute(db, "DROP TABLE stock_movements");
        Bundle b = TestBundles.with(clinic, "tables/stock_movements.pssql", null);

        DatabaseResult r = engine.deploy(b, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.changes()).containsExactly(new AppliedChange("table", "stock_movements", "forgotten (no longer exists)", null));
        assertThat(engine.deploy(b, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }
}
