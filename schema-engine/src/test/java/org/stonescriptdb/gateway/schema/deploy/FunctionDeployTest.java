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

/** Function deploys by normalised checksum, on the clinic bundle already deployed once. */
class FunctionDeployTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());
    private final Bundle clinic = TestBundles.clinic();
    private String db;

    @BeforeEach
    void deployedOnce() {
        db = TestDatabases.createDeployedClinicDatabase("functions");
    }

    @Test
    void whitespaceCommentAndKeywordCaseChangesAreSkipped() {
        String util = TestBundles.file(clinic, "functions/util.pssql");
        String reformatted = TestBundles.file(TestBundles.edit(clinic, "functions/util.pssql",
                "CREATE OR REPLACE FUNCTION greeting(p_name TEXT) RETURNS TEXT\nLANGUAGE sql IMMUTABLE AS $$ SELECT 'Hello, ' || p_name || '!' $$;",
                "/* greets */\ncreate or replace function GREETING(\n    P_NAME text\n)\n  returns text\n  language SQL immutable\nas $fn$\n  select 'Hello, ' ||   p_name || '!'   -- exclaim\n$fn$;"), "functions/util.pssql")
                .replace("    ", "\t");
        assertThat(reformatted).isNotEqualTo(util);
        String before = Catalog.fingerprint(db);

        DatabaseResult r = engine.deploy(TestBundles.with(clinic, "functions/util.pssql", reformatted), db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.UNCHANGED);
        assertThat(r.statementsExecuted()).isZero();
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void aChangedStringLiteralIsReplaced() {
        Bundle changed = TestBundles.edit(clinic, "functions/util.pssql", "'Hello, '", "'hello, '");
        DatabaseResult r = engine.deploy(changed, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.APPLIED);
        assertThat(r.changes()).containsExactly(new AppliedChange("function", "greeting(text)", "replaced", "functions/util.pssql"));
        assertThat(TestPostgres.queryOne(db, "SELECT greeting('Ada')")).isEqualTo("hello, Ada!");
        assertThat(TestPostgres.queryOne(db, "SELECT old_checksum <> new_checksum FROM _stonescriptdb_gateway_changelog "
                + "WHERE deployment_id = '" + r.deploymentId() + "'")).isEqualTo("t");
    }

    @Test
    void aChangedReturnTypeDropsAndRecreates() {
        Bundle changed = TestBundles.edit(clinic, "functions/patients.pssql",
                "CREATE OR REPLACE FUNCTION patient_count(p_clinic_id INT)\nRETURNS BIGINT",
                "CREATE OR REPLACE FUNCTION patient_count(p_clinic_id INT)\nRETURNS INT");
        changed = TestBundles.edit(changed, "functions/patients.pssql",
                "SELECT count(*) FROM patients WHERE clinic_id = p_clinic_id", "SELECT count(*)::int FROM patients WHERE clinic_id = p_clinic_id");
        DatabaseResult r = engine.deploy(changed, db, DeployOptions.DEFAULT);

        assertThat(r.failure()).isNull();
        assertThat(r.changes()).extracting(AppliedChange::object, AppliedChange::action)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("patient_count(integer)", "recreated (signature or return type changed)"));
        assertThat(TestPostgres.queryOne(db, "SELECT pg_typeof(patient_count(1))::text")).isEqualTo("integer");
    }

    @Test
    void aChangedSignatureCreatesTheNewAndDropsTheOld() {
        Bundle changed = TestBundles.edit(clinic, "functions/util.pssql",
                "CREATE OR REPLACE FUNCTION greeting(p_name TEXT) RETURNS TEXT\nLANGUAGE sql IMMUTABLE AS $$ SELECT 'Hello, ' || p_name || '!' $$;",
                "CREATE OR REPLACE FUNCTION greeting(p_name TEXT, p_title TEXT) RETURNS TEXT\nLANGUAGE sql IMMUTABLE AS $$ SELECT 'Hello, ' || p_title || ' ' || p_name || '!' $$;");
        DatabaseResult r = engine.deploy(changed, db, DeployOptions.DEFAULT);

        assertThat(r.changes()).extracting(AppliedChange::object, AppliedChange::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("greeting(text)", "dropped (no longer in bundle)"),
                org.assertj.core.groups.Tuple.tuple("greeting(text,text)", "created"));
        assertThat(TestPostgres.queryOne(db, "SELECT to_regprocedure('greeting(text)') IS NULL")).isEqualTo("t");
        assertThat(TestPostgres.queryOne(db, "SELECT greeting('Lovelace', 'Lady')")).isEqualTo("Hello, Lady Lovelace!");
    }

    @Test
    void anOrphanIsDroppedButAFunctionTheGatewayDidNotDeployIsKept() {
        TestPostgres.execute(db, "CREATE FUNCTION handmade() RETURNS int LANGUAGE sql AS $$ SELECT 42 $$");
        String util = TestBundles.file(clinic, "functions/util.pssql");
        String withoutIsWeekend = util.replace("CREATE OR REPLACE FUNCTION is_weekend(p_day DATE) RETURNS BOOLEAN\n"
                + "LANGUAGE sql IMMUTABLE AS $$ SELECT extract(isodow FROM p_day) IN (6, 7) $$;", "");
        assertThat(withoutIsWeekend).isNotEqualTo(util);

        DatabaseResult r = engine.deploy(TestBundles.with(clinic, "functions/util.pssql", withoutIsWeekend), db, DeployOptions.DEFAULT);

        assertThat(r.changes()).containsExactly(new AppliedChange("function", "is_weekend(date)", "dropped (no longer in bundle)", null));
        assertThat(TestPostgres.queryOne(db, "SELECT to_regprocedure('is_weekend(date)') IS NULL")).isEqualTo("t");
        assertThat(TestPostgres.queryOne(db, "SELECT handmade()")).isEqualTo("42");
        assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM _stonescriptdb_gateway_functions WHERE name = 'is_weekend'")).isEqualTo("0");
    }

    @Test
    void overloadsAreTrackedSeparately() {
        Bundle changed = TestBundles.edit(clinic, "functions/util.pssql",
                "CREATE OR REPLACE FUNCTION clamp(p_value NUMERIC, p_low NUMERIC, p_high NUMERIC) RETURNS NUMERIC\n"
                        + "LANGUAGE sql IMMUTABLE AS $$ SELECT greatest(p_low, least(p_high, p_value)) $$;",
                "CREATE OR REPLACE FUNCTION clamp(p_value NUMERIC, p_low NUMERIC, p_high NUMERIC) RETURNS NUMERIC\n"
                        + "LANGUAGE sql IMMUTABLE AS $$ SELECT round(greatest(p_low, least(p_high, p_value)), 2) $$;");
        DatabaseResult r = engine.deploy(changed, db, DeployOptions.DEFAULT);

        assertThat(r.changes()).extracting(AppliedChange::object).containsExactly("clamp(numeric,numeric,numeric)");
        assertThat(TestPostgres.queryOne(db, "SELECT clamp(5.555, 0, 10)")).isEqualTo("5.56");
        assertThat(TestPostgres.queryOne(db, "SELECT clamp(15, 0, 10)")).isEqualTo("10");
    }

    @Test
    void aBrokenBodyFailsTheDeployNamingFileAndStatement() {
        Bundle broken = TestBundles.edit(clinic, "functions/util.pssql",
                "SELECT value FROM clinic_settings WHERE key = p_key", "SELECT value FROM no_such_table WHERE key = p_key");
        String before = Catalog.fingerprint(db);

        DatabaseResult r = engine.deploy(broken, db, DeployOptions.DEFAULT);

        assertThat(r.status()).isEqualTo(DeployStatus.FAILED);
        assertThat(r.failure().file()).isEqualTo("functions/util.pssql");
        assertThat(r.failure().statement()).contains("FUNCTION setting(p_key TEXT)");
        assertThat(r.failure().sqlState()).isEqualTo("42P01");
        assertThat(r.failure().message()).contains("relation \"no_such_table\" does not exist");
        assertThat(Catalog.fingerprint(db)).isEqualTo(before);
    }

    @Test
    void routinesDroppedByHandAreRecreatedOrForgotten() {
        TestPostgres.execute(db, "DROP FUNCTION greeting(text); DROP FUNCTION is_weekend(date)");
        Bundle withoutIsWeekend = TestBundles.edit(clinic, "functions/util.pssql",
                "CREATE OR REPLACE FUNCTION is_weekend(p_day DATE) RETURNS BOOLEAN\n"
                        + "LANGUAGE sql IMMUTABLE AS $$ SELECT extract(isodow FROM p_day) IN (6, 7) $$;", "");

        DatabaseResult r = engine.deploy(withoutIsWeekend, db, DeployOptions.DEFAULT);

        assertThat(r.changes()).extracting(AppliedChange::object, AppliedChange::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple("is_weekend(date)", "forgotten (no longer exists)"),
                org.assertj.core.groups.Tuple.tuple("greeting(text)", "created"));
        assertThat(TestPostgres.queryOne(db, "SELECT greeting('Ada')")).isEqualTo("Hello, Ada!");
        assertThat(engine.deploy(withoutIsWeekend, db, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }
}
