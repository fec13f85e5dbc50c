package org.stonescriptdb.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.AdminSettings;
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
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A streamed deploy that stays silent longer than {@code HTTP_IDLE_TIMEOUT_SECS} — a canary waiting for a lock, a slow
 * migration — keeps its connection: heartbeat lines are sent while no database finishes (the HTTP server closes a
 * connection whose next write comes later than that timeout after the previous one).
 */
class QuietStreamTest {

    private static final String ADMIN_KEY = "admin-key-for-tests";
    private static final int IDLE_SECONDS = 2;
    private static GatewayApplication app;
    private static Http admin;
    private static BackendTarget pg;

    @BeforeAll
    static void start() throws Exception {
        pg = TestBackend.target();
        GatewayConfig config = ConfigLoader.load(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", ADMIN_KEY,
                        "HTTP_IDLE_TIMEOUT_SECS", Integer.toString(IDLE_SECONDS)), null)
                .withBackend(pg);
        app = GatewayApplication.start(config, new AdminSettings(50L * 1024 * 1024, Set.of(), Duration.ofMinutes(2),
                Duration.ofMinutes(5)));
        admin = new Http(app.httpPort(), ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        if (app != null) app.stop(Duration.ZERO);
    }

    @Test
    void aCanarySilentForLongerThanTheIdleTimeoutKeepsItsStreamAlive() throws Exception {
        assertThat(admin.postMultipart("/register", Map.of("platform", "ndjquiet", "schema", Bundles.tarGz(Bundles.clinicV1()))).status()).isEqualTo(200);
        assertThat(admin.postJson("/admin/create-tenant", Map.of("platform", "ndjquiet", "tenant_id", "t1")).status()).isEqualTo(201);
        List<JsonNode> rest;
        try (Connection holder = DriverManager.getConnection(pg.jdbcUrl("ndjquiet_main"), pg.user(), pg.password())) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("LOCK TABLE patients IN ACCESS SHARE MODE");
            }
            Http.Streamed stream = admin.stream(admin.multipart("/migrate", Map.of("platform", "ndjquiet", "schema", Bundles.tarGz(Bundles.clinicV2()))));
            assertThat(stream.status()).isEqualTo(200);
            // Main waits for the lock: nothing but heartbeats, each at least a third of the idle timeout after the
            // previous write — four of them span more than the timeout, which the connection survives.
            for (int i = 0; i < 4; i++) {
                JsonNode line = stream.nextIncludingHeartbeats();
                assertThat(line.get("event").asText()).as("line " + i + ": " + line).isEqualTo("heartbeat");
                assertThat(line.get("databases_finished").asInt()).isZero();
            }
            holder.rollback();
            rest = stream.rest();
            stream.close();
        }
        assertThat(rest).extracting(l -> l.get("event").asText()).containsExactly("database", "database", "done");
        assertThat(rest.getFirst().get("database").asText()).isEqualTo("ndjquiet_main");
        assertThat(rest.getLast().get("http_status").asInt()).isEqualTo(200);
        assertThat(rest.getLast().get("applied").asInt()).isEqualTo(2);
    }
}
