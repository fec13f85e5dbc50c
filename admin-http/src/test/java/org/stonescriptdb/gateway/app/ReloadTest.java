package org.stonescriptdb.gateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.support.Http;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reloading the settings while running (SIGHUP and the console's RELOAD both call it): the API keys and the console's
 * password, {@code ALLOWED_NETWORKS} and the log level change at once; a pool size is named as waiting for a restart;
 * a file that does not load changes nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReloadTest {

    private static Map<String, String> vars(BackendTarget backend) {
        Map<String, String> vars = new ConcurrentHashMap<>(Map.of("GATEWAY_PORT", "0", "PROXY_PORT", "0", "API_KEY_ADMIN", "first-key",
                "DB_HOST", backend.host(), "DB_PORT", Integer.toString(backend.port()), "DB_NAME", backend.maintenanceDatabase(), "DB_USER", backend.user()));
        return vars;
    }

    private static Connection console(GatewayApplication app, String key) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + app.proxyPort() + "/gateway?user=admin&password=" + key
                + "&preferQueryMode=simple&sslmode=disable&connectTimeout=5");
    }

    @Test
    void keysNetworksAndTheLogLevelChangeAtOnceAndTheRestIsNamed() throws Exception {
        BackendTarget backend = TestBackend.target();
        Map<String, String> vars = vars(backend);
        try (GatewayApplication app = GatewayApplication.start(ConfigLoader.load(new HashMap<>(vars)).withBackend(backend))) {
            app.reloadFrom(() -> new HashMap<>(vars), LoggingSetup.Format.TEXT);
            assertThat(new Http(app.httpPort(), "first-key").get("/platforms").status()).isEqualTo(200);
            assertThat(app.reload()).as("nothing changed").contains("nothing changed that a reload applies").doesNotContain("next start");

            vars.put("API_KEY_ADMIN", "second-key");
            vars.put("MAX_CONNECTIONS_PER_POOL", "7");
            vars.put("POOL_MODE", "session");
            String summary = app.reload();
            assertThat(summary).contains("API_KEY_*").contains("pool limits and waits").contains("applied at the next start: pool settings (POOL_MODE");
            assertThat(new Http(app.httpPort(), "first-key").get("/platforms").status()).isEqualTo(403);
            assertThat(new Http(app.httpPort(), "second-key").get("/platforms").status()).isEqualTo(200);
            assertThat(app.config().maxConnectionsPerPool()).as("a pool size is taken at once").isEqualTo(7);
            assertThat(app.proxy().pools().config().maxConnectionsPerPool()).isEqualTo(7);
            assertThat(app.config().poolMode()).as("the pool mode waits for the restart").isEqualTo(org.stonescriptdb.gateway.config.PoolMode.TRANSACTION);
            assertThatThrownBy(() -> console(app, "first-key").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            try (Connection c = console(app, "second-key"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("RELOAD")) {
                rs.next();
                assertThat(rs.getString(1)).as("the console's RELOAD is the same reload").startsWith("reloaded: ");
            }

            vars.put("PROXY_PORT", "not a port");
            assertThat(app.reload()).startsWith("not reloaded, the running settings stay: PROXY_PORT");
            vars.put("PROXY_PORT", "0");

            vars.put("LOG_LEVEL", "debug");
            assertThat(app.reload()).contains("LOG_LEVEL");
            assertThat(java.util.logging.Logger.getLogger("").getLevel()).isEqualTo(java.util.logging.Level.FINE);
            vars.put("LOG_LEVEL", "info");
            app.reload();

            vars.put("ALLOWED_NETWORKS", "10.0.0.0/8");
            assertThat(app.reload()).contains("ALLOWED_NETWORKS");
            assertThat(new Http(app.httpPort(), "second-key").get("/platforms").status()).as("the side-port").isEqualTo(403);
            assertThatThrownBy(() -> console(app, "second-key").close()).as("the proxy port")
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
        } finally {
            LoggingSetup.configure("info");
        }
    }
}
