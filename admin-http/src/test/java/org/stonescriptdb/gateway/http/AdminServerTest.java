package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.ControlPool;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.metrics.ProxyStats;
import org.stonescriptdb.gateway.support.TestBackend;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP side-port against a real PostgreSQL: /health both ways, and the JSON error shape. */
class AdminServerTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static HikariDataSource reachable;
    private static HikariDataSource unreachable;

    @BeforeAll
    static void pools() throws Exception {
        reachable = ControlPool.create(TestBackend.target());
        unreachable = ControlPool.create(new BackendTarget("127.0.0.1", closedPort(), "postgres", "postgres", ""));
    }

    @AfterAll
    static void close() {
        reachable.close();
        unreachable.close();
    }

    @Test
    void healthyBackendAnswers200WithPoolCounts() throws Exception {
        try (AdminServer server = start(reachable, () -> new ProxyStats(3, 7, 2, 5, 0))) {
            HttpResponse<String> r = get(server, "/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("status").asText()).isEqualTo("healthy");
            assertThat(body.get("postgres_connected").asBoolean()).isTrue();
            assertThat(body.get("active_pools").asInt()).isEqualTo(3);
            assertThat(body.get("total_connections").asInt()).isEqualTo(7);
            assertThat(body.get("pools").isArray()).isTrue();
        }
    }

    @Test
    void unreachableBackendAnswers503Unhealthy() throws Exception {
        try (AdminServer server = start(unreachable, () -> new ProxyStats(0, 0, 0, 0, 0))) {
            long started = System.nanoTime();
            HttpResponse<String> r = get(server, "/health");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("status").asText()).isEqualTo("unhealthy");
            assertThat(body.get("postgres_connected").asBoolean()).isFalse();
            assertThat(body.get("active_pools").asInt()).isZero();
            assertThat(body.get("total_connections").asInt()).isZero();
        }
    }

    @Test
    void unknownPathIs404InTheErrorShape() throws Exception {
        try (AdminServer server = start(reachable, () -> new ProxyStats(0, 0, 0, 0, 0))) {
            HttpResponse<String> r = get(server, "/no/such/thing");
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("error").asText()).isEqualTo("not_found");
            assertThat(body.get("message").asText()).contains("/no/such/thing");
            assertThat(body.has("platform")).isFalse();
            assertThat(body.has("tenant_id")).isFalse();
        }
    }

    @Test
    void wrongMethodIs405InTheErrorShape() throws Exception {
        try (AdminServer server = start(reachable, () -> new ProxyStats(0, 0, 0, 0, 0))) {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri(server, "/health"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).isEqualTo("method_not_allowed");
        }
    }

    @Test
    void aFailureInsideAHandlerIsAJson500WithoutStackTrace() throws Exception {
        Supplier<ProxyStats> broken = () -> {
            throw new IllegalStateException("secret internal detail");
        };
        Logger serverLog = Logger.getLogger(AdminServer.class.getName());
        Level before = serverLog.getLevel();
        serverLog.setLevel(Level.OFF); // the failure is logged with its trace; not wanted in the test output
        try (AdminServer server = start(reachable, broken)) {
            HttpResponse<String> r = get(server, "/health");
            assertThat(r.statusCode()).isEqualTo(500);
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertThat(body.get("error").asText()).isEqualTo("internal_error");
            assertThat(r.body()).doesNotContain("secret internal detail", "Exception", "at org.");
        } finally {
            serverLog.setLevel(before);
        }
    }

    @Test
    void theProbeRunsOffTheIoThreads() throws Exception {
        String[] thread = new String[1];
        Supplier<ProxyStats> recording = () -> {
            thread[0] = Thread.currentThread().toString();
            return new ProxyStats(0, 0, 0, 0, 0);
        };
        try (AdminServer server = start(reachable, recording)) {
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
            assertThat(thread[0]).doesNotContain("I/O").contains("http-");
        }
    }

    private static AdminServer start(HikariDataSource backend, Supplier<ProxyStats> stats) {
        return AdminServer.start("127.0.0.1", 0, new HealthHandler(backend, stats));
    }

    private static HttpResponse<String> get(AdminServer server, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(15)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(AdminServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** A port nothing listens on: bound and released, so connecting is refused. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
