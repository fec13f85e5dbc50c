package org.stonescriptdb.gateway.schema.sql;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlScriptTest {

    @Test
    void splitsAtTopLevelSemicolonsOnly() {
        List<SqlStatement> s = SqlScript.split("""
                INSERT INTO t VALUES ('a;b');  -- comment; with semicolon
                CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
                SELECT "semi;colon" FROM t
                """);
        assertThat(s).extracting(SqlStatement::text).containsExactly(
                "INSERT INTO t VALUES ('a;b')",
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql",
                "SELECT \"semi;colon\" FROM t");
    }

    @Test
    void keepsSqlStandardBodiesWhole() {
        List<SqlStatement> s = SqlScript.split("""
                CREATE FUNCTION f(x int) RETURNS text LANGUAGE sql
                BEGIN ATOMIC
                  SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END;
                  SELECT 'done';
                END;
                SELECT 2;
                """);
        assertThat(s).hasSize(2);
        assertThat(s.getFirst().text()).endsWith("END");
        assertThat(s.get(1).text()).isEqualTo("SELECT 2");
    }

    @Test
    void unterminatedQuotesAreReportedWithTheirLine() {
        assertThatThrownBy(() -> SqlScript.split("SELECT 1;\nSELECT 'oops"))
                .isInstanceOf(SqlSyntaxException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> SqlScript.split("SELECT $x$ never closed"))
                .isInstanceOf(SqlSyntaxException.class).hasMessageContaining("$x$");
    }

    @Test
    void semicolonsInsideParenthesesDoNotSplit() {
        List<SqlStatement> s = SqlScript.split("CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2)); SELECT 1");
        assertThat(s).hasSize(2);
        assertThat(s.getFirst().text()).endsWith("VALUES (2))");
    }
}
