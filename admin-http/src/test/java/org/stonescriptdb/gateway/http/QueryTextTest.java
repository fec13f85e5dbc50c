package org.stonescriptdb.gateway.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryTextTest {

    @Test
    void dollarPlaceholdersBecomeJdbcPlaceholdersInOrderOfUse() {
        QueryText q = QueryText.parse("SELECT * FROM t WHERE a = $2 AND b = $1 OR c = $2");
        assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE a = ? AND b = ? OR c = ?");
        assertThat(q.bindings()).containsExactly(1, 0, 1);
    }

    @Test
    void quotesCommentsAndDollarStringsAreLeftAlone() {
        QueryText q = QueryText.parse("SELECT '$1;', \"$2\", $$ $3; $$, $tag$ ; $tag$ -- $4;\n /* ; $5 */ FROM t WHERE x = $1;");
        assertThat(q.bindings()).containsExactly(0);
        assertThat(q.sql()).startsWith("SELECT '$1;', \"$2\", $$ $3; $$, $tag$ ; $tag$ -- $4;\n /* ; $5 */ FROM t WHERE x = ?");
    }

    @Test
    void aLiteralQuestionMarkIsEscapedForJdbc() {
        assertThat(QueryText.parse("SELECT data ? 'key' FROM t").sql()).isEqualTo("SELECT data ?? 'key' FROM t");
    }

    @Test
    void moreThanOneStatementIsRefused() {
        assertThatThrownBy(() -> QueryText.parse("SELECT 1; DROP TABLE t")).isInstanceOf(ApiException.class)
                .hasMessageContaining("single statement");
        assertThat(QueryText.parse("SELECT 1 ;  ").bindings()).isEqualTo(List.of());
    }

    @Test
    void unterminatedQuotesAndEmptyQueriesAreRefused() {
        assertThatThrownBy(() -> QueryText.parse("SELECT 'open")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> QueryText.parse("SELECT $0")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> QueryText.parse("  ;")).isInstanceOf(ApiException.class);
    }
}
