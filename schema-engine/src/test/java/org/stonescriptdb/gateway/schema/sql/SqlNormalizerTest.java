package org.stonescriptdb.gateway.schema.sql;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SqlNormalizerTest {

    private static final String BASE = """
            CREATE OR REPLACE FUNCTION greet(p_name TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
            BEGIN
                RETURN 'Hello, ' || p_name;
            END;
            $$;
            """;

    @Test
    void whitespaceCommentsAndCaseDoNotChangeTheChecksum() {
        String reformatted = """
                -- greets someone
                create or replace function GREET( p_name text )
                    returns text
                    language PLPGSQL
                as $body$
                begin
                    /* the greeting */ return 'Hello, ' || P_NAME; -- trailing
                end;
                $body$;
                """;
        assertThat(SqlNormalizer.checksum(reformatted)).isEqualTo(SqlNormalizer.checksum(BASE));
    }

    @Test
    void stringLiteralContentIsSignificant() {
        assertThat(SqlNormalizer.checksum(BASE.replace("'Hello, '", "'hello, '")))
                .isNotEqualTo(SqlNormalizer.checksum(BASE));
        assertThat(SqlNormalizer.checksum(BASE.replace("'Hello, '", "'Hello,  '")))
                .isNotEqualTo(SqlNormalizer.checksum(BASE));
    }

    @Test
    void quotedIdentifiersAreSignificant() {
        assertThat(SqlNormalizer.normalize("SELECT \"Name\" FROM t")).isNotEqualTo(SqlNormalizer.normalize("SELECT \"name\" FROM t"));
        assertThat(SqlNormalizer.normalize("SELECT Name FROM t")).isEqualTo(SqlNormalizer.normalize("select name from T"));
    }

    @Test
    void commentMarkersInsideLiteralsAreNotComments() {
        assertThat(SqlNormalizer.normalize("SELECT '-- not a comment', '/* nor this */'"))
                .isEqualTo("select '-- not a comment' , '/* nor this */'");
    }

    @Test
    void nestedDollarQuotedStringsInsideABodyAreLiterals() {
        String a = "CREATE FUNCTION f() RETURNS text AS $$ BEGIN RETURN $q$Mixed Case$q$; END $$ LANGUAGE plpgsql";
        String b = "CREATE FUNCTION f() RETURNS text AS $$ BEGIN RETURN $q$mixed case$q$; END $$ LANGUAGE plpgsql";
        assertThat(SqlNormalizer.checksum(a)).isNotEqualTo(SqlNormalizer.checksum(b));
    }

    @Test
    void escapeStringsKeepBackslashQuotes() {
        assertThat(SqlNormalizer.normalize("SELECT E'it\\'s  -- here' AS x")).isEqualTo("select e 'it\\'s  -- here' as x");
    }

    @Test
    void nestedBlockCommentsAreSkipped() {
        assertThat(SqlNormalizer.normalize("SELECT /* outer /* inner */ still comment */ 1")).isEqualTo("select 1");
    }

    @Test
    void bodiesInOtherLanguagesAreComparedExactly() {
        String python = "CREATE FUNCTION f(x int) RETURNS int AS $$\nif x > 0:\n    return x\nreturn 0\n$$ LANGUAGE plpython3u";
        String reindented = python.replace("    return x", "  return x");
        assertThat(SqlNormalizer.checksum(reindented)).isNotEqualTo(SqlNormalizer.checksum(python));
        String plpgsql = "CREATE FUNCTION f(x int) RETURNS int AS $$ BEGIN RETURN x; END $$ LANGUAGE 'plpgsql'";
        assertThat(SqlNormalizer.checksum(plpgsql.replace("RETURN x", "return   X"))).isEqualTo(SqlNormalizer.checksum(plpgsql));
    }
}
