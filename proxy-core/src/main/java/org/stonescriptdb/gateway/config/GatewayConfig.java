package org.stonescriptdb.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Everything the gateway is configured with, one part per concern. Built by {@link ConfigLoader} from the environment
 * (and {@code .env}); tests build it with {@link #defaults()} and the {@code with…} methods, each of which replaces
 * one part.
 *
 * @param backend   the PostgreSQL server, or {@code null} to start an embedded one under {@code dataDir}
 * @param dataDir   where the embedded server keeps its cluster ({@code DATA_DIR})
 * @param listeners the ports, their address and the networks they admit
 * @param pooling   the pools of backend connections
 * @param io        the event loops
 * @param limits    what one client, address or HTTP request may take
 * @param tls       TLS for the proxy port's clients
 * @param logLevel  {@code LOG_LEVEL} (or what {@code RUST_LOG} gives)
 * @param apiKeys   {@code API_KEY_*} values keyed by the lower-cased suffix ({@code admin}, a platform name)
 * @param clientAuth what admits a wire client beyond its address being allowed: a password, a platform's own networks
 */
public record GatewayConfig(
        BackendTarget backend,
        Path dataDir,
        Listeners listeners,
        PoolSettings pooling,
        IoSettings io,
        Limits limits,
        TlsSettings tls,
        String logLevel,
        Map<String, String> apiKeys,
        ClientAuth clientAuth) {

    public GatewayConfig {
        Objects.requireNonNull(listeners, "listeners");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(clientAuth, "clientAuth");
        apiKeys = Map.copyOf(apiKeys);
    }

    /** The documented defaults, with no backend configured (embedded mode). */
    public static GatewayConfig defaults() {
        return ConfigLoader.load(Map.of(), null);
    }

    public boolean embeddedBackend() {
        return backend == null;
    }

    /**
     * Like the record's own, but with the API keys' values left out (their names stay), so a logged configuration
     * never carries a credential. The backend prints without its password ({@link BackendTarget#toString()}).
     */
    @Override
    public String toString() {
        StringJoiner keys = new StringJoiner(", ", "{", "}");
        new TreeSet<>(apiKeys.keySet()).forEach(name -> keys.add(name + "=<redacted>"));
        return "GatewayConfig[backend=" + backend + ", dataDir=" + dataDir + ", listeners=" + listeners + ", pooling=" + pooling
                + ", io=" + io + ", limits=" + limits + ", tls=" + tls + ", logLevel=" + logLevel + ", apiKeys=" + keys
                + ", clientAuth=" + clientAuth + "]";
    }

    // ---- one part replaced ----

    public GatewayConfig withBackend(BackendTarget b) {
        return new GatewayConfig(b, dataDir, listeners, pooling, io, limits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withDataDir(Path dir) {
        return new GatewayConfig(backend, dir, listeners, pooling, io, limits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withListeners(Listeners l) {
        return new GatewayConfig(backend, dataDir, l, pooling, io, limits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withPooling(PoolSettings p) {
        return new GatewayConfig(backend, dataDir, listeners, p, io, limits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withIo(IoSettings i) {
        return new GatewayConfig(backend, dataDir, listeners, pooling, i, limits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withLimits(Limits newLimits) {
        return new GatewayConfig(backend, dataDir, listeners, pooling, io, newLimits, tls, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withTls(TlsSettings t) {
        return new GatewayConfig(backend, dataDir, listeners, pooling, io, limits, t, logLevel, apiKeys, clientAuth);
    }

    public GatewayConfig withApiKeys(Map<String, String> keys) {
        return new GatewayConfig(backend, dataDir, listeners, pooling, io, limits, tls, logLevel, keys, clientAuth);
    }

    public GatewayConfig withClientAuth(ClientAuth c) {
        return new GatewayConfig(backend, dataDir, listeners, pooling, io, limits, tls, logLevel, apiKeys, c);
    }

    // ---- a value within a part replaced ----

    public GatewayConfig withPorts(int newGatewayPort, int newProxyPort) {
        return withListeners(listeners.withPorts(newGatewayPort, newProxyPort));
    }

    public GatewayConfig withAllowedNetworks(List<Cidr> networks) {
        return withListeners(listeners.withAllowedNetworks(networks));
    }

    public GatewayConfig withPoolLimits(int perPool, int total, int pools) {
        return withPooling(pooling.withSizes(new PoolSizes(perPool, total, pools)));
    }

    /** These three, the wait for a busy pool as it was. */
    public GatewayConfig withTimeouts(Duration idle, Duration lifetime, Duration connect) {
        return withPooling(pooling.withTimeouts(new PoolTimeouts(idle, lifetime, connect, queryWaitTimeout())));
    }

    public GatewayConfig withQueryWaitTimeout(Duration wait) {
        PoolTimeouts t = pooling.timeouts();
        return withPooling(pooling.withTimeouts(new PoolTimeouts(t.idleTimeout(), t.maxLifetime(), t.connectionTimeout(), wait)));
    }

    public GatewayConfig withPoolMode(PoolMode mode) {
        return withPooling(pooling.withPoolMode(mode));
    }

    public GatewayConfig withSessionReset(boolean reset) {
        return withPooling(pooling.withSessionReset(reset));
    }

    public GatewayConfig withLinger(Linger newLinger) {
        return withPooling(pooling.withLinger(newLinger));
    }

    public GatewayConfig withIoThreads(int threads) {
        return withIo(io.withThreads(threads));
    }

    public GatewayConfig withIoTransport(IoTransport transport) {
        return withIo(io.withTransport(transport));
    }

    public GatewayConfig withIoSpinMicros(int micros) {
        return withIo(io.withSpinMicros(micros));
    }

    // ---- one value read: the names callers used when the configuration was flat ----

    public String gatewayHost() {
        return listeners.gatewayHost();
    }

    public int gatewayPort() {
        return listeners.gatewayPort();
    }

    public int proxyPort() {
        return listeners.proxyPort();
    }

    public List<Cidr> allowedNetworks() {
        return listeners.allowedNetworks();
    }

    public int maxConnectionsPerPool() {
        return pooling.sizes().maxConnectionsPerPool();
    }

    public int maxTotalConnections() {
        return pooling.sizes().maxTotalConnections();
    }

    public int maxPools() {
        return pooling.sizes().maxPools();
    }

    public Duration poolIdleTimeout() {
        return pooling.timeouts().idleTimeout();
    }

    public Duration poolMaxLifetime() {
        return pooling.timeouts().maxLifetime();
    }

    public Duration connectionTimeout() {
        return pooling.timeouts().connectionTimeout();
    }

    public Duration queryWaitTimeout() {
        return pooling.timeouts().queryWaitTimeout();
    }

    public PoolMode poolMode() {
        return pooling.poolMode();
    }

    public boolean sessionReset() {
        return pooling.sessionReset();
    }

    public Linger linger() {
        return pooling.linger();
    }

    public int ioThreads() {
        return io.threads();
    }

    public IoTransport ioTransport() {
        return io.transport();
    }

    public int ioSpinMicros() {
        return io.spinMicros();
    }
}
