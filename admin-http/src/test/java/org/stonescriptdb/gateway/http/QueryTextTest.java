package org.stonescriptdb.gateway.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryTextTest {

    @Test
    void dollarPlaceholdersBecomeJdbcPlaceholdersInOrderOfUse() {
        QueryText q = QueryText.parse("SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2", true);
        assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE a = ? AND b = ? OR c = ?");
        assertThat(q.bindings()).containsExactly(1, 0, 1);
    }

    @Test
    void quotesCommentsAndDollarStringsAreLeftAlone() {
        QueryText q = QueryText.parse("SELECT '$1;', \"$2\", $$ $3; $$, $tag$ ; $tag$, E'\\' $4 ;' -- $4;\n /* ; /* $5 */ ; */ FROM t WHERE x = $1;", true);
        assertThat(q.bindings()).containsExactly(0);
        assertThat(q.sql()).isEqualTo("SELECT '$1;', \"$2\", $$ $3; $$, $tag$ ; $tag$, E'\\' $4 ;' -- $4;\n /* ; /* $5 */ ; */ FROM t WHERE x = ?;");
    }

    @Test
    void aLiteralQuestionMarkIsEscapedForJdbc() {
        assertThat(QueryText.parse("SELECT data ? 'key', '?' FROM t", true).sql()).isEqualTo("SELECT data ?? 'key', '?' FROM t");
    }

    @Test
    void aSecondStatementIsRefusedHoweverItIsHidden() {
        for (String sql : List.of("SELECT 1; DROP TABLE t", "SELECT 1;;DROP TABLE t", "SELECT 1 /* ; */; DROP TABLE t",
                "SELECT 1 -- ;\n; DROP TABLE t", "SELECT $$;$$; DROP TABLE t", "SELECT E'\\''; DROP TABLE t; --'",
                "SELECT 1 \\; DROP TABLE t", "COMMIT; DROP TABLE t")) {
            assertThatThrownBy(() -> QueryText.parse(sql, true)).as(sql).isInstanceOf(ApiException.class).hasMessageContaining("single statement");
        }
        assertThat(QueryText.parse("SELECT 1 ;  ", true).bindings()).isEqualTo(List.of());
        assertThat(QueryText.parse("SELECT E'\\'; DROP TABLE t; --'", true).sql()).as("one E'' string").startsWith("SELECT E'");
    }

    @Test
    void theConnectionsStandardConformingStringsDecidesWhereAStringEnds() {
        // With standard_conforming_strings off, a backslash escapes the quote: pgjdbc would send two statements.
        String sql = "SELECT '\\'' ; DROP TABLE t; --'";
        assertThat(QueryText.parse(sql, true).bindings()).isEmpty();
        assertThatThrownBy(() -> QueryText.parse(sql, false)).isInstanceOf(ApiException.class).hasMessageContaining("single statement");
    }

    @Test
    void emptyAndUnreadableQueriesAndPlaceholderZeroAreRefused() {
        assertThatThrownBy(() -> QueryText.parse("SELECT $0", true)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> QueryText.parse("SELECT $99999999999", true)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> QueryText.parse("  ;", true)).isInstanceOf(ApiException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> QueryText.parse("SELECT 'open $1", true)).isInstanceOf(ApiException.class).hasMessageContaining("Unterminated");
    }
}
