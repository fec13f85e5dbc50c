package org.stonescriptdb.gateway.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.http.Json;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The assembled gateway in embedded mode, as the README's quick start uses it. */
class GatewayApplicationTest {

    @TempDir
    Path dataDir;

    @Test
    void quickStartWorksDataSurvivesARestartAndHealthFollowsTheBackend() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of(
                "DATA_DIR", dataDir.toString(), "GATEWAY_PORT", "0", "PROXY_PORT", "0"), null);
        try (GatewayApplication app = GatewayApplication.start(config)) {
            JsonNode health = health(app, 200);
            assertThat(health.get("status").asText()).isEqualTo("healthy");
            assertThat(health.get("postgres_connected").asBoolean()).isTrue();
            try (Connection c = throughGateway(app, "demo_acme"); Statement s = c.createStatement()) {
                JsonNode withClient = health(app, 200);
                assertThat(withClient.get("active_pools").asInt()).isEqualTo(1);
                assertThat(withClient.get("total_connections").asInt()).isEqualTo(1);
                try (ResultSet rs = s.executeQuery("SELECT 1, current_database()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                    assertThat(rs.getString(2)).isEqualTo("demo_acme");
                }
                s.execute("CREATE TABLE notes (body text)");
                s.execute("INSERT INTO notes VALUES ('written through the gateway')");
            }
            try (Connection c = throughGateway(app, "demo_main"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_database()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("demo_main");
            }
        }
        try (GatewayApplication app = GatewayApplication.start(config)) {
            try (Connection c = throughGateway(app, "demo_acme"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT body FROM notes")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("written through the gateway");
            }
            // The backend goes away under a running gateway: /health says so.
            app.embeddedBackend().close();
            JsonNode health = health(app, 503);
            assertThat(health.get("status").asText()).isEqualTo("unhealthy");
            assertThat(health.get("postgres_connected").asBoolean()).isFalse();
            // Not a reason to restart the gateway: the liveness probe does not ask PostgreSQL.
            assertThat(health(app, "/health/live", 200).get("status").asText()).isEqualTo("alive");
        }
    }

    @Test
    void aStartThatFailsStopsWhatItStarted() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            GatewayConfig config = ConfigLoader.load(Map.of("DATA_DIR", dataDir.toString(),
                    "GATEWAY_PORT", Integer.toString(taken.getLocalPort()), "PROXY_PORT", "0"), null);
            assertThatThrownBy(() -> GatewayApplication.start(config))
                    .hasMessageContaining("cannot listen for HTTP on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("GATEWAY_PORT");
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("embedded server stopped again").doesNotExist();
    }

    /**
     * An embedded installation from before platform roles — everything made by the superuser, databases open to PUBLIC —
     * is adopted at the next start: the gateway works as its own non-superuser role, each platform's databases and
     * objects belong to the platform's role, and only those roles may connect.
     */
    @Test
    void anEmbeddedInstallationFromBeforePlatformRolesIsAdoptedAtStart() throws Exception {
        GatewayConfig config = ConfigLoader.load(Map.of(
                "DATA_DIR", dataDir.toString(), "GATEWAY_PORT", "0", "PROXY_PORT", "0"), null);
        try (GatewayApplication app = GatewayApplication.start(config)) {
            assertThat(app.backend().user()).isEqualTo("ssdb_gateway");
        }
        try (EmbeddedBackend server = EmbeddedBackend.start(dataDir.resolve("postgres"), 50)) {
            var su = server.target();
            try (Connection c = DriverManager.getConnection(su.jdbcUrl("postgres"), "postgres", ""); Statement s = c.createStatement()) {
                s.execute("ALTER DATABASE stonescriptdb_gateway OWNER TO postgres");
                s.execute("ALTER DATABASE demo_acme OWNER TO postgres");
                s.execute("GRANT CONNECT, TEMPORARY ON DATABASE demo_acme TO PUBLIC");
            }
            try (Connection c = DriverManager.getConnection(su.jdbcUrl("demo_acme"), "postgres", ""); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE legacy (x int)");
                s.execute("INSERT INTO legacy VALUES (7)");
            }
            try (Connection c = DriverManager.getConnection(su.jdbcUrl("stonescriptdb_gateway"), "postgres", ""); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE platforms OWNER TO postgres");
            }
        }
        try (GatewayApplication app = GatewayApplication.start(config)) {
            try (Connection c = throughGateway(app, "demo_acme"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
                         + " pg_get_userbyid(relowner), (SELECT x FROM legacy) FROM pg_class WHERE relname = 'legacy'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("ssdb_demo");
                assertThat(rs.getBoolean(2)).as("superuser").isFalse();
                assertThat(rs.getString(3)).isEqualTo("ssdb_demo");
                assertThat(rs.getInt(4)).isEqualTo(7);
            }
            var su = app.embeddedBackend().target();
            try (Connection c = DriverManager.getConnection(su.jdbcUrl("postgres"), "postgres", ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT datname, pg_get_userbyid(datdba),"
                         + " (SELECT count(*) FROM aclexplode(datacl) a WHERE a.grantee = 0) FROM pg_database"
                         + " WHERE datname IN ('demo_acme', 'stonescriptdb_gateway') ORDER BY 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("ssdb_demo");
                assertThat(rs.getInt(3)).as("PUBLIC's privileges on demo_acme").isZero();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo("ssdb_gateway");
                assertThat(rs.getInt(3)).as("PUBLIC's privileges on the control database").isZero();
            }
            try (Connection c = DriverManager.getConnection(su.jdbcUrl("stonescriptdb_gateway"), "postgres", ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'platforms'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("ssdb_gateway");
            }
        }
    }

    private static Connection throughGateway(GatewayApplication app, String database) throws Exception {
        // The README's JDBC URL: the gateway admits by address, so user "app" needs no password.
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/" + database + "?user=app");
    }

    private static JsonNode health(GatewayApplication app, int expectedStatus) throws Exception {
        return health(app, "/health", expectedStatus);
    }

    private static JsonNode health(GatewayApplication app, String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
                        .timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return Json.MAPPER.readTree(r.body());
    }
}
