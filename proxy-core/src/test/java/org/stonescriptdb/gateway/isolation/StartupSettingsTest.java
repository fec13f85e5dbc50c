package org.stonescriptdb.gateway.isolation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.stonescriptdb.gateway.isolation.OneBackend.one;

/** A start-up packet may carry only the documented settings; identity and replication settings never reach a backend. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupSettingsTest {

    private static final String DB = "startupset_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB, "do $$ begin if not exists (select from pg_roles where rolname = 'startup_lowpriv') then create role startup_lowpriv; end if; end $$");
        gateway = OneBackend.gateway(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "options|-c role=startup_lowpriv|role",
            "options|-c session_authorization=startup_lowpriv|session_authorization",
            "options|--session-replication-role=replica|session_replication_role",
            "options|-c log_statement=all|log_statement",
            "options|-c no_such_setting=1|no_such_setting",
            "options|-c application_name=ok -c ROLE=startup_lowpriv|ROLE"})
    void aRefusedSettingEndsTheLoginWith42501NamingIt(String key, String value, String named) throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty(key, value);
        SQLException e = catchThrowableOfType(SQLException.class, () -> gateway.connect(DB, p).close());
        assertThat((Object) e).isNotNull();
        assertThat(e.getSQLState()).isEqualTo("42501");
        assertThat(e.getMessage()).contains("\"" + named + "\"");
        try (Connection other = gateway.connect(DB)) {
            assertThat(one(other, "select current_user || '/' || session_user || '/' || current_setting('session_replication_role')"))
                    .isEqualTo(TestPostgres.SUPERUSER + "/" + TestPostgres.SUPERUSER + "/origin");
        }
    }

    @Test
    void aPlainStartupParameterNamingTheRoleIsRefusedToo() throws Exception {
        // pgjdbc passes unknown connection properties on only via options; a raw packet carries any key.
        try (var c = new org.stonescriptdb.gateway.testing.WireClient(gateway.port())) {
            c.send(org.stonescriptdb.gateway.testing.WireClient.startupPacket(org.stonescriptdb.gateway.testing.WireClient.PROTOCOL_3_0,
                    java.util.Map.of("user", "app", "database", DB, "session_authorization", "startup_lowpriv")));
            var reply = c.readUntil('E');
            String error = reply.get(reply.size() - 1).toString();
            assertThat(error).contains("42501").contains("session_authorization");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void allowedSettingsAndApplicationVariablesStillApply() throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("options", "-c statement_timeout=4321 -c myapp.tenant=acme -c enable_seqscan=off");
        try (Connection c = gateway.connect(DB, p)) {
            assertThat(one(c, "select current_setting('statement_timeout') || '/' || current_setting('myapp.tenant') || '/'"
                    + " || current_setting('enable_seqscan')")).isEqualTo("4321ms/acme/off");
        }
    }
}
