package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /query and /call share the side-port's pooled connections: nothing one request sets may reach the next request on
 * the same connection.
 */
class QueryIsolationTest {

    private static final String LOW_ROLE = "gateway_test_lowpriv";
    private static final String STATE = "SELECT pg_backend_pid() AS pid, current_user::text AS usr, current_setting('search_path') AS sp, "
            + "current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt";
    private static GatewayApplication app;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        BackendTarget pg = TestBackend.target();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password()); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN CREATE ROLE " + LOW_ROLE + " NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        }
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0"), null).withBackend(pg);
        app = GatewayApplication.start(config);
        http = new Http(app.httpPort(), null);
        Map<String, String> bundle = new java.util.LinkedHashMap<>(Bundles.clinicV1());
        bundle.put("functions/session_state.pssql", """
                CREATE OR REPLACE FUNCTION session_state() RETURNS TABLE (pid integer, usr text, sp text, st text, lt text)
                LANGUAGE sql AS $$
                    SELECT pg_backend_pid(), current_user::text, current_setting('search_path'),
                           current_setting('statement_timeout'), current_setting('lock_timeout')
                $$;
                """);
        assertThat(http.postMultipart("/register", Map.of("platform", "isoapp", "schema", Bundles.tarGz(bundle))).status()).isEqualTo(200);
        assertThat(http.postJson("/admin/create-tenant", Map.of("platform", "isoapp", "tenant_id", "t1")).status()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void nothingARequestSetsIsSeenByTheNextRequestOnTheSameConnection() {
        JsonNode defaults = query(STATE).get("rows").get(0);
        assertThat(defaults.get("st").asText()).as("the gateway's own per-request timeout").isEqualTo("30s");

        // The platform's role is a member of no other role: PostgreSQL itself refuses the change of role.
        Http.Response roleChange = http.postJson("/query", Map.of("platform", "isoapp", "tenant_id", "t1",
                "query", "SELECT set_config('role', '" + LOW_ROLE + "', false) AS r"));
        assertThat(roleChange.status()).as(roleChange.toString()).isEqualTo(400);
        assertThat(roleChange.json().get("sql_state").asText()).isEqualTo("42501");

        JsonNode hostile = query("SELECT pg_backend_pid() AS pid, "
                + "set_config('search_path', 'nowhere', false) AS s, set_config('statement_timeout', '1h', false) AS t, "
                + "set_config('lock_timeout', '1h', false) AS l").get("rows").get(0);
        int pid = hostile.get("pid").asInt();

        for (int i = 0; i < 3; i++) {
            JsonNode after = query(STATE).get("rows").get(0);
            assertThat(after.get("pid").asInt()).as("sequential requests reuse the one pooled connection").isEqualTo(pid);
            assertSameState(after, defaults);
        }
        Http.Response called = http.postJson("/call", Map.of("platform", "isoapp", "tenant_id", "t1", "function", "session_state"));
        assertThat(called.status()).as(called.toString()).isEqualTo(200);
        JsonNode viaCall = called.json().get("rows").get(0);
        assertThat(viaCall.get("pid").asInt()).isEqualTo(pid);
        assertSameState(viaCall, defaults);

        // A failing request leaves nothing behind either.
        Http.Response failed = http.postJson("/query", Map.of("platform", "isoapp", "tenant_id", "t1",
                "query", "SELECT 1 / (length(set_config('search_path', 'nowhere', false)) - 7)"));
        assertThat(failed.status()).isEqualTo(400);
        assertSameState(query(STATE).get("rows").get(0), defaults);
    }

    @Test
    void aQueryIsOneStatementInEveryDisguise() {
        query("CREATE TABLE IF NOT EXISTS canary (x int)");
        List<String> hostile = List.of(
                "SELECT 1; DROP TABLE canary",
                "select 1;;drop table canary",
                "SELECT (1); DROP TABLE canary",
                "SELECT 1 /* ; */; DROP TABLE canary",
                "SELECT 1 -- ;\n; DROP TABLE canary",
                "SELECT $$ ; $$; DROP TABLE canary",
                "SELECT $tag$ $$; $tag$; DROP TABLE canary",
                "SELECT 'it''s'; DROP TABLE canary",
                // An E'' string ends later than a plain one would: a scanner that does not know E'' sees one statement.
                "SELECT E'\\''; DROP TABLE canary; --'",
                // psql's \; is not SQL; the semicolon still ends the statement.
                "SELECT 1 \\; DROP TABLE canary",
                // PostgreSQL reads \v as white space, so this is an E'' string to it but a plain one to pgjdbc's lexer,
                // which sees one statement and sends one Parse: PostgreSQL itself refuses the two commands.
                "SELECT\u000bE'\\''; DROP TABLE canary; --'",
                // Escaping the request's transaction to run outside its statement_timeout.
                "COMMIT; DROP TABLE canary",
                "SELECT 1; COMMIT; SELECT pg_sleep(60)");
        for (String sql : hostile) {
            Http.Response r = http.postJson("/query", Map.of("platform", "isoapp", "tenant_id", "t1", "query", sql));
            assertThat(r.status()).as(sql + " → " + r).isEqualTo(400);
            assertThat(r.json().get("error").asText()).as(sql + " → " + r).isEqualTo("bad_request");
            assertThat(r.json().get("message").asText()).as(sql).contains("single statement");
            assertThat(r.text()).doesNotContain("Exception", "\tat ");
        }
        // One statement, however it is written, is served.
        assertThat(query("SELECT 1 /* /* */ ; DROP TABLE canary; -- */ AS one").at("/rows/0/one").asInt()).isEqualTo(1);
        assertThat(query("SELECT E'\\'; DROP TABLE canary; --' AS s").at("/rows/0/s").asText()).isEqualTo("'; DROP TABLE canary; --");
        assertThat(query("SELECT ';' AS a, $$;$$ AS b, \"x;\" AS c FROM (SELECT 1 AS \"x;\") t;").at("/rows/0/b").asText()).isEqualTo(";");
        assertThat(query("SELECT $1::int + $1::int AS two, $2 AS q, '{\"k\": 1}'::jsonb ? 'k' AS has",
                List.of(1, "?")).at("/rows/0/two").asInt()).isEqualTo(2);
        // A lone COMMIT ends the request's own transaction early and nothing more.
        query("COMMIT");
        assertThat(query("SELECT count(*) AS n FROM canary").at("/rows/0/n").asInt()).as("canary survived").isZero();
    }

    private static void assertSameState(JsonNode actual, JsonNode defaults) {
        assertThat(actual.get("usr").asText()).isEqualTo(defaults.get("usr").asText());
        assertThat(actual.get("sp").asText()).isEqualTo(defaults.get("sp").asText());
        assertThat(actual.get("st").asText()).isEqualTo("30s");
        assertThat(actual.get("lt").asText()).isEqualTo(defaults.get("lt").asText());
    }

    private static JsonNode query(String sql) {
        return query(sql, List.of());
    }

    private static JsonNode query(String sql, List<Object> params) {
        Http.Response r = http.postJson("/query", Map.of("platform", "isoapp", "tenant_id", "t1", "query", sql, "params", params));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }
}
