package org.stonescriptdb.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.stonescriptdb.gateway.metrics.ProxyStats;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code GET /health} (seed 000 §4.4): 200 with {@code "status": "healthy"} when a control connection to
 * the backend answers, else 503 with {@code "status": "unhealthy"}; both carry the proxy's pool counts.
 * Blocks on JDBC, so it must run on a worker thread, never on an IO thread.
 */
public final class HealthHandler implements HttpHandler {

    private static final Logger LOG = Logger.getLogger(HealthHandler.class.getName());
    private static final int VALIDATION_TIMEOUT_SECONDS = 2;

    private final DataSource backend;
    private final Supplier<ProxyStats> stats;
    /** The last probe's answer, so a state change is logged once rather than on every probe. */
    private final AtomicBoolean lastReachable = new AtomicBoolean(true);

    public HealthHandler(DataSource backend, Supplier<ProxyStats> stats) {
        this.backend = backend;
        this.stats = stats;
    }

    public record Health(String status, boolean postgresConnected, int activePools, int totalConnections) {
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Health health = check();
        Json.send(exchange, health.postgresConnected() ? 200 : 503, health);
    }

    public Health check() {
        boolean reachable = backendReachable();
        ProxyStats s = stats.get();
        return new Health(reachable ? "healthy" : "unhealthy", reachable, s.activePools(), s.totalConnections());
    }

    private boolean backendReachable() {
        String failure;
        try (Connection c = backend.getConnection()) {
            if (c.isValid(VALIDATION_TIMEOUT_SECONDS)) {
                if (!lastReachable.getAndSet(true)) LOG.info("backend reachable again");
                return true;
            }
            failure = "connection did not validate within " + VALIDATION_TIMEOUT_SECONDS + " s";
        } catch (SQLException e) {
            // HikariCP's timeout says only that no connection came; the cause says why.
            failure = e.getMessage() + (e.getCause() != null && e.getCause() != e ? " — " + e.getCause().getMessage() : "");
        }
        if (lastReachable.getAndSet(false)) LOG.warning("backend unreachable: " + failure);
        return false;
    }
}
