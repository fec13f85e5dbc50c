package org.stonescriptdb.gateway.schema.plan;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FunctionParserTest {

    private static List<FunctionSpec> parse(String sql) {
        return FunctionParser.parse(new BundleFile(BundleKind.FUNCTIONS, "f.pssql", sql));
    }

    private static FunctionSpec one(String sql) {
        return parse(sql).getFirst();
    }

    @Test
    void identityIgnoresArgumentNamesDefaultsModifiersAndAliases() {
        FunctionSpec a = one("CREATE FUNCTION f(p_id int, p_name varchar(20) DEFAULT 'x') RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql");
        FunctionSpec b = one("create or replace function F(id INTEGER, name character varying = 'y') returns int4 as $$ select 1 $$ language sql");
        FunctionSpec c = one("CREATE FUNCTION f(int4, varchar) RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql");
        assertThat(a.signature()).isEqualTo("f(integer,character varying)");
        assertThat(b.signature()).isEqualTo(a.signature());
        assertThat(c.signature()).isEqualTo(a.signature());
    }

    @Test
    void headerChangesWithArgumentNamesDefaultsAndReturnTypeButNotAliases() {
        FunctionSpec base = one("CREATE FUNCTION f(p int) RETURNS int AS $$ SELECT p $$ LANGUAGE sql");
        assertThat(one("CREATE FUNCTION f(p integer) RETURNS int4 AS $$ SELECT p $$ LANGUAGE sql").header()).isEqualTo(base.header());
        assertThat(one("CREATE FUNCTION f(q int) RETURNS int AS $$ SELECT q $$ LANGUAGE sql").header()).isNotEqualTo(base.header());
        assertThat(one("CREATE FUNCTION f(p int) RETURNS bigint AS $$ SELECT p $$ LANGUAGE sql").header()).isNotEqualTo(base.header());
        assertThat(one("CREATE FUNCTION f(p int DEFAULT 1) RETURNS int AS $$ SELECT p $$ LANGUAGE sql").header()).isNotEqualTo(base.header());
    }

    @Test
    void outArgumentsAreNotPartOfAFunctionsIdentity() {
        FunctionSpec f = one("CREATE FUNCTION stats(p_id int, OUT n bigint, OUT total numeric) LANGUAGE sql AS $$ SELECT 1::bigint, 2::numeric $$");
        assertThat(f.signature()).isEqualTo("stats(integer)");
    }

    @Test
    void multiWordTypesWithoutArgumentNames() {
        FunctionSpec f = one("CREATE FUNCTION g(double precision, timestamp with time zone, character varying(3)) RETURNS void AS $$ $$ LANGUAGE sql");
        assertThat(f.signature()).isEqualTo("g(double precision,timestamp with time zone,character varying)");
    }

    @Test
    void overloadsInOneFileAreSeparateRoutines() {
        List<FunctionSpec> specs = parse("""
                CREATE FUNCTION clamp(v int, lo int, hi int) RETURNS int AS $$ SELECT greatest(lo, least(hi, v)) $$ LANGUAGE sql;
                CREATE FUNCTION clamp(v numeric, lo numeric, hi numeric) RETURNS numeric AS $$ SELECT greatest(lo, least(hi, v)) $$ LANGUAGE sql;
                CREATE PROCEDURE tidy(days int) LANGUAGE sql AS $$ SELECT 1 $$;
                """);
        assertThat(specs).extracting(FunctionSpec::signature)
                .containsExactly("clamp(integer,integer,integer)", "clamp(numeric,numeric,numeric)", "tidy(integer)");
        assertThat(specs.get(2).routineKind()).isEqualTo("procedure");
    }

    @Test
    void createWithoutOrReplaceIsDeployedAsCreateOrReplace() {
        FunctionSpec f = one("CREATE FUNCTION reporting.x() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql");
        assertThat(f.createSql()).startsWith("CREATE OR REPLACE FUNCTION reporting.x()");
        assertThat(f.signature()).isEqualTo("reporting.x()");
    }

    @Test
    void anythingButARoutineIsRefusedWithAPointer() {
        assertThatThrownBy(() -> parse("CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();"))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("functions/f.pssql")
                .hasMessageContaining("put triggers, grants and other statements in a migration");
    }

    @Test
    void columnTypeReferencesResolveToTheColumnsType() {
        BundleFile file = new BundleFile(BundleKind.FUNCTIONS, "f.pssql",
                "CREATE FUNCTION rename_patient(p_id patients.id%TYPE, p_name public.patients.full_name%type) RETURNS void AS $$ $$ LANGUAGE sql");
        java.util.Map<String, String> columns = java.util.Map.of("patients.id", "integer", "patients.full_name", "character varying(120)");
        assertThat(FunctionParser.parse(file, columns::get).getFirst().signature())
                .isEqualTo("rename_patient(integer,character varying)");
        assertThatThrownBy(() -> FunctionParser.parse(file, c -> null))
                .isInstanceOf(BundleException.class).hasMessageContaining("patients.id%TYPE refers to a column not declared");
    }
}
