package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/** What a session carries: start-up settings, notices, notifications, large values; none of it leaks onward. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxySessionStateTest {

    private static final String DB = "sess_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        TestPostgres.createDatabase(DB);
        // One backend connection, so consecutive clients are known to share it.
        gateway = GatewayHarness.start(c -> c.withPoolMode(PoolMode.SESSION).withPoolLimits(1, 200, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)));
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) gateway.close();
    }

    @Test
    void startupSettingsApplyToTheSessionAndAreGoneForTheNextClient() throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("ApplicationName", "billing-worker");
        p.setProperty("options", "-c statement_timeout=1234 -c search_path=audit,public");
        String pid;
        try (Connection c = gateway.connect(DB, p)) {
            pid = rows(c, "select pg_backend_pid()").get(0);
            assertThat(rows(c, "show application_name")).containsExactly("billing-worker");
            assertThat(rows(c, "show statement_timeout")).containsExactly("1234ms");
            List<String> directPath;
            Properties direct = new Properties();
            direct.putAll(p);
            direct.setProperty("user", TestPostgres.SUPERUSER);
            try (Connection d = java.sql.DriverManager.getConnection(TestPostgres.directUrl(DB), direct)) {
                directPath = rows(d, "show search_path");
            }
            assertThat(rows(c, "show search_path")).isEqualTo(directPath).containsExactly("audit,public");
            assertThat(c.unwrap(PGConnection.class).getParameterStatus("application_name")).isEqualTo("billing-worker");
        }
        try (Connection c = gateway.connect(DB)) {
            assertThat(rows(c, "select pg_backend_pid()")).containsExactly(pid);
            assertThat(rows(c, "show application_name")).isNotEqualTo(List.of("billing-worker"));
            assertThat(rows(c, "show statement_timeout")).containsExactly("0");
            assertThat(rows(c, "show search_path")).isNotEqualTo(List.of("audit,public"));
        }
    }

    @Test
    void anInvalidStartupSettingIsRefusedAsTheServerWouldAndTheBackendStaysUsable() throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("options", "-c statement_timeout=notanumber");
        try (Connection c = gateway.connect(DB, p)) {
            throw new AssertionError("a bad statement_timeout was accepted: " + rows(c, "show statement_timeout"));
        } catch (java.sql.SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("22023");
        }
        try (Connection c = gateway.connect(DB)) {
            assertThat(rows(c, "select 'fine'")).containsExactly("fine");
        }
    }

    @Test
    void noticesReachTheClient() throws Exception {
        try (Connection c = gateway.connect(DB); Statement st = c.createStatement()) {
            st.execute("do $$ begin raise notice 'hello from plpgsql'; end $$");
            SQLWarning w = st.getWarnings();
            assertThat((Throwable) w).isNotNull();
            assertThat(w.getMessage()).contains("hello from plpgsql");
        }
    }

    @Test
    void notificationsAreDeliveredBetweenSessions() throws Exception {
        try (GatewayHarness wide = GatewayHarness.start();
             Connection listener = wide.connect(DB); Connection sender = wide.connect(DB)) {
            try (Statement st = listener.createStatement()) {
                st.execute("listen gateway_events");
            }
            try (Statement st = sender.createStatement()) {
                st.execute("notify gateway_events, 'payload-1'");
            }
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(5_000);
            assertThat(got).isNotNull();
            assertThat(Arrays.stream(got).map(PGNotification::getParameter).toList()).containsExactly("payload-1");
            assertThat(got[0].getName()).isEqualTo("gateway_events");
        }
    }

    @Test
    void aSixteenMegabyteValueRoundTrips() throws Exception {
        byte[] big = new byte[16 << 20];
        new Random(7).nextBytes(big);
        try (Connection c = gateway.connect(DB); PreparedStatement ps = c.prepareStatement("select ?::bytea, length(?::bytea)")) {
            ps.setBytes(1, big);
            ps.setBytes(2, big);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(2)).isEqualTo(big.length);
                assertThat(Arrays.equals(rs.getBytes(1), big)).as("the value came back unchanged").isTrue();
            }
            assertThat(rows(c, "select repeat('ab', 8 << 20) = repeat('ab', 8 << 20)")).containsExactly("t");
        }
    }

    @Test
    void unicodeTextIsUntouched() throws Exception {
        String text = "Zürich · 東京 · ☃ · \uD83D\uDE00";
        try (Connection c = gateway.connect(DB); PreparedStatement ps = c.prepareStatement("select ?::text, length(?::text)")) {
            ps.setString(1, text);
            ps.setString(2, text);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(text);
                assertThat(rs.getInt(2)).isEqualTo(text.codePointCount(0, text.length()));
            }
        }
    }
}
