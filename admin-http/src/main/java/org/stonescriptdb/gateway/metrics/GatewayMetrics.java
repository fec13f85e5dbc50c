package org.stonescriptdb.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.stonescriptdb.gateway.pool.PoolManager;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The gateway's Prometheus series, prefix {@code db_gateway_} (seed 000 §9.1 plus proxy and deployment series).
 * Labels stay bounded: {@code platform} (validated names of platforms that exist), {@code type} (the fixed set
 * of error codes), {@code status}/{@code kind} (fixed enums) and {@code database} only on per-pool series, whose
 * number {@code MAX_POOLS} bounds — a pool's series disappear when the pool closes.
 */
public final class GatewayMetrics {

    private static final String PREFIX = "db_gateway.";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<List<PoolManager.PoolStats>> pools;
    private final ProxyCounters counters;
    private final Map<String, PoolManager.PoolStats> lastPoolStats = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> poolMeters = new ConcurrentHashMap<>();
    /** Micrometer holds a function counter's state object weakly: without this, the first GC took the supplier. */
    private volatile LongSupplier httpRefused;

    private final Map<String, Map<String, Long>> platformValues = new ConcurrentHashMap<>();
    private final Map<String, Meter> platformMeters = new ConcurrentHashMap<>();
    private volatile Supplier<Map<String, Long>> platformClients = Map::of;

    public GatewayMetrics(Supplier<ProxyStats> stats, ProxyCounters counters, Supplier<List<PoolManager.PoolStats>> pools) {
        this.pools = pools;
        this.counters = counters;
        Gauge.builder(PREFIX + "active_pools", () -> stats.get().activePools())
                .description("Databases with an open backend pool").register(registry);
        Gauge.builder(PREFIX + "total_connections", () -> stats.get().totalConnections())
                .description("Backend PostgreSQL connections held by the proxy").register(registry);
        Gauge.builder(PREFIX + "idle_connections", () -> stats.get().idleConnections())
                .description("Backend connections idle in the pools").register(registry);
        Gauge.builder(PREFIX + "client_connections", () -> stats.get().clientConnections())
                .description("Wire-protocol clients connected now").register(registry);
        Gauge.builder(PREFIX + "clients_waiting", () -> stats.get().waitingClients())
                .description("Clients waiting for a backend connection").register(registry);
        FunctionCounter.builder(PREFIX + "client_connections_accepted", counters, ProxyCounters::clientConnections)
                .description("Wire-protocol clients accepted since start").register(registry);
        FunctionTimer.builder(PREFIX + "client_wait", counters, ProxyCounters::waits,
                        c -> c.waitNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)
                .description("Time clients waited in line for a backend connection (served or timed out)").register(registry);
        FunctionCounter.builder(PREFIX + "transactions", counters, ProxyCounters::transactions)
                .description("Transactions (or Sync batches) served in transaction pooling").register(registry);
        FunctionCounter.builder(PREFIX + "pinned_sessions", counters, ProxyCounters::pinnedSessions)
                .description("Client sessions pinned to a backend by session state").register(registry);
        FunctionCounter.builder(PREFIX + "session_resets", counters, ProxyCounters::resetsDiscardAll).tag("form", "discard_all")
                .description("Backends reset as they passed from one client to another, by the form of the reset").register(registry);
        FunctionCounter.builder(PREFIX + "session_resets", counters, ProxyCounters::resetsStatements).tag("form", "statements")
                .description("Backends reset as they passed from one client to another, by the form of the reset").register(registry);
        FunctionCounter.builder(PREFIX + "cancel_requests", counters, ProxyCounters::cancelRequests)
                .description("Cancel requests received").register(registry);
        FunctionCounter.builder(PREFIX + "tls_handshakes", counters, ProxyCounters::tlsHandshakes).tag("result", "ok")
                .description("TLS handshakes of wire clients, by result").register(registry);
        FunctionCounter.builder(PREFIX + "tls_handshakes", counters, ProxyCounters::tlsHandshakeFailures).tag("result", "failed")
                .description("TLS handshakes of wire clients, by result").register(registry);
        for (AuthFailure reason : AuthFailure.values()) {
            FunctionCounter.builder(PREFIX + "auth_failures", counters, c -> c.authFailures(reason)).tag("reason", reason.label())
                    .description("Wire clients refused before they logged in, by reason").register(registry);
        }
    }

    /** When the proxy port's TLS certificate expires, as Unix time: what the expiry alert watches. */
    public void tlsCertificate(Supplier<java.time.Instant> notAfter) {
        Gauge.builder(PREFIX + "tls_certificate_expiry_timestamp_seconds", () -> {
                    java.time.Instant at = notAfter.get();
                    return at == null ? Double.NaN : at.getEpochSecond();
                })
                .description("When the TLS certificate the proxy port serves now expires (Unix time)").register(registry);
    }

    /** The HTTP port's connections: open now, and closed at accept for passing {@code HTTP_MAX_CONNECTIONS}. */
    public void httpConnections(IntSupplier open, LongSupplier refused) {
        Gauge.builder(PREFIX + "http_connections", open::getAsInt)
                .description("HTTP connections open now").register(registry);
        httpRefused = refused;
        FunctionCounter.builder(PREFIX + "http_connections_refused", refused, LongSupplier::getAsLong)
                .description("HTTP connections closed as they were accepted, HTTP_MAX_CONNECTIONS being open").register(registry);
    }

    /** A /call or /query ran against a platform's database. */
    public void query(String platform, Duration took, boolean ok) {
        Counter.builder(PREFIX + "queries").description("Queries run through the HTTP API, by platform")
                .tag("platform", platform).register(registry).increment();
        Timer.builder(PREFIX + "query_duration").description("HTTP API query latency").tag("platform", platform)
                .publishPercentileHistogram().register(registry).record(took);
    }

    /** An HTTP error answer, by its error code. */
    public void error(String type) {
        Counter.builder(PREFIX + "errors").description("Errors answered, by type").tag("type", type).register(registry).increment();
    }

    /** A deploy finished; one count per database, one duration per request. */
    public void deployment(String platform, String kind, Map<String, Long> statusCounts, Duration took) {
        statusCounts.forEach((status, n) -> Counter.builder(PREFIX + "deployments").description("Database deployments, by outcome")
                .tag("platform", platform).tag("status", status).register(registry).increment(n));
        Timer.builder(PREFIX + "deployment_duration").description("Whole deploy requests (register, migrate, create)")
                .tag("kind", kind).publishPercentileHistogram().register(registry).record(took);
    }

    /** The Prometheus text exposition; per-pool series follow the pools open now. */
    public String scrape() {
        refreshPools();
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Wire clients per platform now (the proxy counts them at each scrape). */
    public void platformClients(Supplier<Map<String, Long>> clients) {
        this.platformClients = clients;
    }

    /**
     * Per-platform series, at most {@link ProxyCounters#MAX_PLATFORM_LABELS} platforms (the rest summed as
     * {@code other}): transactions, wire clients and backend connections.
     */
    private void refreshPlatforms(List<PoolManager.PoolStats> now) {
        Map<String, Long> connections = new java.util.TreeMap<>();
        for (PoolManager.PoolStats p : now) connections.merge(ProxyCounters.platformLabel(p.database()), (long) p.size(), Long::sum);
        platformValues.put("connections", bounded(connections));
        platformValues.put("clients", bounded(platformClients.get()));
        platformValues.put("transactions", counters.platformTransactions());
        // Every platform seen in any of the three gets all three series (0 when it has none of that now).
        Set<String> platforms = new java.util.TreeSet<>();
        platformValues.values().forEach(m -> platforms.addAll(m.keySet()));
        for (String kind : List.of("connections", "clients", "transactions")) {
            for (String platform : platforms) {
                String key = kind + "\u0000" + platform;
                if (platformMeters.containsKey(key)) continue;
                Meter meter = switch (kind) {
                    case "transactions" -> FunctionCounter.builder(PREFIX + "platform_transactions", platformValues, m -> value(m, kind, platform))
                            .description("Transactions (or Sync batches) served, by platform").tag("platform", platform).register(registry);
                    case "clients" -> Gauge.builder(PREFIX + "platform_client_connections", platformValues, m -> value(m, kind, platform))
                            .description("Wire clients connected now, by platform").tag("platform", platform).register(registry);
                    default -> Gauge.builder(PREFIX + "platform_backend_connections", platformValues, m -> value(m, kind, platform))
                            .description("Backend connections of the proxy now, by platform").tag("platform", platform).register(registry);
                };
                platformMeters.put(key, meter);
            }
        }
    }

    private static double value(Map<String, Map<String, Long>> values, String kind, String platform) {
        return values.getOrDefault(kind, Map.of()).getOrDefault(platform, 0L);
    }

    /** The first {@link ProxyCounters#MAX_PLATFORM_LABELS} platforms by name with their own label, the rest as {@code other}. */
    static Map<String, Long> bounded(Map<String, Long> byPlatform) {
        Map<String, Long> out = new java.util.TreeMap<>();
        new java.util.TreeMap<>(byPlatform).forEach((platform, n) -> {
            String label = out.size() < ProxyCounters.MAX_PLATFORM_LABELS || out.containsKey(platform) ? platform : ProxyCounters.OTHER;
            out.merge(label, n, Long::sum);
        });
        return out;
    }

    private synchronized void refreshPools() {
        List<PoolManager.PoolStats> now = pools.get();
        refreshPlatforms(now);
        Set<String> open = now.stream().map(PoolManager.PoolStats::database).collect(Collectors.toSet());
        for (PoolManager.PoolStats p : now) {
            lastPoolStats.put(p.database(), p);
            poolMeters.computeIfAbsent(p.database(), db -> List.of(
                    FunctionCounter.builder(PREFIX + "pool_hits", lastPoolStats, m -> stat(m, db).hits())
                            .description("Requests served by an existing pool connection").tag("database", db).register(registry),
                    FunctionCounter.builder(PREFIX + "pool_misses", lastPoolStats, m -> stat(m, db).misses())
                            .description("Requests that needed a new backend connection").tag("database", db).register(registry),
                    Gauge.builder(PREFIX + "pool_size", lastPoolStats, m -> stat(m, db).size())
                            .description("Backend connections of the pool").tag("database", db).register(registry),
                    Gauge.builder(PREFIX + "pool_idle", lastPoolStats, m -> stat(m, db).idle())
                            .description("Idle backend connections of the pool").tag("database", db).register(registry)));
        }
        for (String db : Set.copyOf(poolMeters.keySet())) {
            if (open.contains(db)) continue;
            poolMeters.remove(db).forEach(registry::remove);
            lastPoolStats.remove(db);
        }
    }

    private static PoolManager.PoolStats stat(Map<String, PoolManager.PoolStats> m, String db) {
        PoolManager.PoolStats p = m.get(db);
        return p == null ? new PoolManager.PoolStats(db, 0, 0, 0, 0, 0) : p;
    }
}
