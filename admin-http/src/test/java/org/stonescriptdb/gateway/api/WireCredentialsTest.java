package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.app.GatewayApplication;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.registry.ControlDatabase;
import org.stonescriptdb.gateway.support.Bundles;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Wire credentials through the admin API, on a gateway with {@code CLIENT_AUTH=password}: created once (the password
 * in that answer only, a verifier in the control database), logging in as the platform's role, never opening another
 * platform's database, rotated with a grace period, deleted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WireCredentialsTest {

    private static final String ADMIN_KEY = "wire-credentials-admin-key";
    private static GatewayApplication app;
    private static Http admin;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY,
                "CLIENT_AUTH", "password", "ALLOWED_NETWORKS_WCE", "10.0.0.0/8"), null).withBackend(TestBackend.target());
        app = GatewayApplication.start(config);
        admin = new Http(app.httpPort(), ADMIN_KEY);
        for (String platform : new String[]{"wca", "wcb", "wcc", "wcd", "wce"}) {
            Http.Response registered = admin.postMultipart("/register", Map.of("platform", platform, "schema", Bundles.tarGz(Bundles.clinicV1())));
            assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
        }
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    private static Connection login(String user, String password, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/" + database, p);
    }

    private static String currentUser(String user, String password, String database) throws SQLException {
        try (Connection c = login(user, password, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean refused(String user, String password, String database) {
        try (Connection c = login(user, password, database)) {
            return false;
        } catch (SQLException e) {
            assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("28P01");
            return true;
        }
    }

    private static String create(String platform) {
        Http.Response created = admin.postJson("/platform/" + platform + "/credentials", Map.of());
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode body = created.json();
        assertThat(body.path("user").asText()).isEqualTo(platform);
        assertThat(body.path("client_auth").asText()).isEqualTo("password");
        return body.path("password").asText();
    }

    @Test
    void aCreatedPasswordLogsInAsThePlatformsRoleAndIsKeptOnlyAsAVerifier() throws Exception {
        assertThat(refused("wca", "guess", "wca_main")).as("before any credential").isTrue();
        String password = create("wca");
        assertThat(password).hasSizeGreaterThanOrEqualTo(40);
        assertThat(currentUser("wca", password, "wca_main")).isEqualTo("ssdb_wca");

        Http.Response again = admin.postJson("/platform/wca/credentials", Map.of());
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.json().path("error").asText()).isEqualTo("credential_exists");

        Http.Response listed = admin.get("/platform/wca/credentials");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.text()).doesNotContain(password).doesNotContain("SCRAM");
        assertThat(listed.json().path("credentials")).hasSize(1);

        BackendTarget backend = TestBackend.target();
        try (Connection c = DriverManager.getConnection(backend.jdbcUrl(ControlDatabase.NAME), backend.user(), backend.password());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select verifier from wire_credentials where platform = 'wca'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("SCRAM-SHA-256$4096:").doesNotContain(password);
        }
    }

    @Test
    void onePlatformsPasswordNeverOpensAnothersDatabase() throws Exception {
        String b = create("wcb");
        assertThat(refused("wcb", b, "wcc_main")).isTrue();
        assertThat(refused("wcc", b, "wcc_main")).isTrue();
        assertThat(currentUser("wcb", b, "wcb_main")).isEqualTo("ssdb_wcb");
    }

    @Test
    void rotationKeepsTheOldPasswordForItsGraceThenOnlyTheNewOneAndDeleteClosesThePlatform() throws Exception {
        String first = create("wcd");
        Http.Response rotated = admin.postJson("/platform/wcd/credentials/rotate?grace_seconds=2", Map.of());
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        String second = rotated.json().path("password").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(rotated.json().path("previous_valid_until").asText()).isNotEmpty();
        assertThat(currentUser("wcd", second, "wcd_main")).isEqualTo("ssdb_wcd");
        assertThat(currentUser("wcd", first, "wcd_main")).as("the old password within its grace").isEqualTo("ssdb_wcd");
        assertThat(admin.get("/platform/wcd/credentials").json().path("credentials")).hasSize(2);
        Await.until(Duration.ofSeconds(15), () -> refused("wcd", first, "wcd_main"), "the old password refused after its grace");
        assertThat(currentUser("wcd", second, "wcd_main")).isEqualTo("ssdb_wcd");

        Http.Response deleted = admin.delete("/platform/wcd/credentials");
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(refused("wcd", second, "wcd_main")).as("after delete").isTrue();
        assertThat(admin.delete("/platform/wcd/credentials").status()).isEqualTo(404);
        assertThat(admin.postJson("/platform/wcd/credentials/rotate", Map.of()).status()).as("nothing to rotate").isEqualTo(404);
    }

    @Test
    void badRequestsAreRefusedWithClearErrors() {
        Http.Response negative = admin.postJson("/platform/wca/credentials/rotate?grace_seconds=-1", Map.of());
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.json().path("message").asText()).contains("grace_seconds");
        assertThat(admin.postJson("/platform/wca/credentials/rotate?grace_seconds=abc", Map.of()).status()).isEqualTo(400);
        assertThat(admin.postJson("/platform/wca/credentials/rotate?grace_seconds=99999999", Map.of()).status()).isEqualTo(400);
        assertThat(admin.get("/platform/nosuchplatform/credentials").status()).isEqualTo(404);
        assertThat(admin.get("/platform/Bad_Name/credentials").status()).isEqualTo(400);
        assertThat(admin.withKey("wrong").postJson("/platform/wca/credentials", Map.of()).status()).isEqualTo(403);
        assertThat(admin.withKey("wrong").get("/platform/wca/credentials").status()).isEqualTo(403);
    }

    @Test
    void aPlatformsOwnNetworksBoundItsWireClientsAndItsQueries() {
        String password = create("wce");
        assertThatThrownBy(() -> login("wce", password, "wce_main").close()).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("28000");
            assertThat(e.getMessage()).contains("no gateway access for host \"127.0.0.1\" to database \"wce_main\"");
        });
        Http.Response query = admin.postJson("/query", Map.of("platform", "wce", "query", "select 1"));
        assertThat(query.status()).as(query.toString()).isEqualTo(403);
        assertThat(query.json().path("message").asText()).contains("ALLOWED_NETWORKS_WCE");
        Http.Response other = admin.postJson("/query", Map.of("platform", "wca", "query", "select 1 as one"));
        assertThat(other.status()).as("a platform without networks of its own: " + other).isEqualTo(200);
    }

    @Test
    void refusedLoginsAreCountedByReason() {
        refused("wcc", "no credential here", "wcc_main");
        Http.Response metrics = admin.get("/metrics");
        assertThat(metrics.text()).contains("db_gateway_auth_failures_total{reason=\"no_credential\"}")
                .contains("db_gateway_auth_failures_total{reason=\"password\"}");
    }
}
