package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.metrics.ProxyStats;
import org.stonescriptdb.gateway.pool.PoolManager;
import org.stonescriptdb.gateway.proxy.Liveness;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code GET /health} (seed 000 §4.4, extended): 200 {@code "healthy"} when a control connection to the backend
 * answers promptly and no client waits for a backend connection; 200 {@code "degraded"} with the reasons when
 * the backend is slow or pools are exhausted; 503 {@code "unhealthy"} when the backend cannot be reached, or when the
 * proxy cannot accept or serve clients (an event loop blocked or stopped, the listener closed, a stop under way), with
 * the reasons. Blocks on JDBC, so it runs on a virtual thread, never on an IO thread.
 */
public final class HealthHandler implements Endpoint {

    private static final Logger LOG = Logger.getLogger(HealthHandler.class.getName());
    private static final int VALIDATION_TIMEOUT_SECONDS = 2;
    /** A probe slower than this marks the backend as slow. */
    static final long SLOW_BACKEND_MILLIS = 1000;

    private final DataSource backend;
    private final Supplier<ProxyStats> stats;
    private final Supplier<List<PoolManager.PoolStats>> pools;
    private final Supplier<Liveness> proxyLiveness;
    /** The last probe's answer, so a state change is logged once rather than on every probe. */
    private final AtomicBoolean lastReachable = new AtomicBoolean(true);
    private final AtomicBoolean lastServing = new AtomicBoolean(true);

    public HealthHandler(DataSource backend, Supplier<ProxyStats> stats) {
        this(backend, stats, List::of);
    }

    public HealthHandler(DataSource backend, Supplier<ProxyStats> stats, Supplier<List<PoolManager.PoolStats>> pools) {
        this(backend, stats, pools, () -> Liveness.SERVING);
    }

    /** @param proxyLiveness asked on every probe; must not block (the proxy's answers from its heartbeats) */
    public HealthHandler(DataSource backend, Supplier<ProxyStats> stats, Supplier<List<PoolManager.PoolStats>> pools,
                         Supplier<Liveness> proxyLiveness) {
        this.backend = backend;
        this.stats = stats;
        this.pools = pools;
        this.proxyLiveness = proxyLiveness;
    }

    public record Pool(String database, int size, int idle, long hits, long misses) {
    }

    @Override
    public Reply handle(Request request) {
        Map<String, Object> health = check();
        return Reply.json("unhealthy".equals(health.get("status")) ? 503 : 200, health);
    }

    /**
     * {@code GET /health/live}: whether this process can still serve clients (its event loops run, its listener is
     * open, it is not stopping), without asking the backend: a liveness probe that restarts the gateway when
     * PostgreSQL is down would only add a restart to the outage. Never blocks.
     */
    public Endpoint liveness() {
        return request -> {
            Liveness proxy = proxyLiveness.get();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", proxy.serving() ? "alive" : "not_serving");
            if (!proxy.serving()) body.put("issues", proxy.problems());
            return Reply.json(proxy.serving() ? 200 : 503, body);
        };
    }

    public Map<String, Object> check() {
        long started = System.nanoTime();
        boolean reachable = backendReachable();
        long latency = (System.nanoTime() - started) / 1_000_000;
        ProxyStats s = stats.get();
        Liveness proxy = proxyLiveness.get();
        if (lastServing.getAndSet(proxy.serving()) != proxy.serving()) {
            if (proxy.serving()) LOG.info("proxy serving again");
            else LOG.warning("proxy cannot serve: " + String.join("; ", proxy.problems()));
        }
        List<String> issues = new ArrayList<>(proxy.problems());
        if (reachable && latency > SLOW_BACKEND_MILLIS) issues.add("backend answered the probe in " + latency + " ms");
        if (s.waitingClients() > 0) issues.add(s.waitingClients() + " client(s) waiting for a backend connection (pools exhausted)");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", !reachable || !proxy.serving() ? "unhealthy" : issues.isEmpty() ? "healthy" : "degraded");
        body.put("postgres_connected", reachable);
        body.put("proxy_serving", proxy.serving());
        body.put("active_pools", s.activePools());
        body.put("total_connections", s.totalConnections());
        body.put("idle_connections", s.idleConnections());
        body.put("client_connections", s.clientConnections());
        body.put("waiting_clients", s.waitingClients());
        body.put("backend_latency_ms", reachable ? latency : null);
        body.put("pools", pools.get().stream().map(p -> new Pool(p.database(), p.size(), p.idle(), p.hits(), p.misses())).toList());
        if (!issues.isEmpty()) body.put("issues", issues);
        return body;
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
