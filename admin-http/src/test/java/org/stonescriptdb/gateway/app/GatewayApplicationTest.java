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

    private static Connection throughGateway(GatewayApplication app, String database) throws Exception {
        // The README's JDBC URL: the gateway admits by address, so user "app" needs no password.
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/" + database + "?user=app");
    }

    private static JsonNode health(GatewayApplication app, int expectedStatus) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/health"))
                        .timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return Json.MAPPER.readTree(r.body());
    }
}
