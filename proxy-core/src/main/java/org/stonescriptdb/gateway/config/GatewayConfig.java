package org.stonescriptdb.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * Everything the gateway is configured with. Built by {@link ConfigLoader} from the environment
 * (and {@code .env}); tests build it with {@link #defaults()} and the {@code with…} methods.
 *
 * @param backend          the PostgreSQL server, or {@code null} to start an embedded one under {@code dataDir}
 * @param ioThreads        event loops (threads) serving client and backend connections
 * @param ioTransport      the kernel interface those event loops use
 * @param ioSpinMicros     how long an event loop keeps polling for I/O after its last before it sleeps (0: never)
 * @param sessionReset     reset a backend before it passes from one client to another in transaction pooling
 * @param apiKeys          {@code API_KEY_*} values keyed by the lower-cased suffix ({@code admin}, a platform name)
 */
public record GatewayConfig(
        BackendTarget backend,
        Path dataDir,
        String gatewayHost,
        int gatewayPort,
        int proxyPort,
        List<Cidr> allowedNetworks,
        int maxConnectionsPerPool,
        int maxTotalConnections,
        int maxPools,
        Duration poolIdleTimeout,
        Duration poolMaxLifetime,
        Duration connectionTimeout,
        PoolMode poolMode,
        int ioThreads,
        IoTransport ioTransport,
        int ioSpinMicros,
        boolean sessionReset,
        Linger linger,
        String logLevel,
        Map<String, String> apiKeys,
        Limits limits) {

    public GatewayConfig {
        allowedNetworks = List.copyOf(allowedNetworks);
        apiKeys = Map.copyOf(apiKeys);
    }

    /**
     * Like the record's own, but with the API keys' values left out (their names stay), so a logged configuration
     * never carries a credential. The backend prints without its password ({@link BackendTarget#toString()}).
     */
    @Override
    public String toString() {
        return "GatewayConfig[backend=" + backend + ", dataDir=" + dataDir + ", gatewayHost=" + gatewayHost
                + ", gatewayPort=" + gatewayPort + ", proxyPort=" + proxyPort + ", allowedNetworks=" + allowedNetworks
                + ", maxConnectionsPerPool=" + maxConnectionsPerPool + ", maxTotalConnections=" + maxTotalConnections
                + ", maxPools=" + maxPools + ", poolIdleTimeout=" + poolIdleTimeout + ", poolMaxLifetime=" + poolMaxLifetime
                + ", connectionTimeout=" + connectionTimeout + ", poolMode=" + poolMode + ", ioThreads=" + ioThreads + ", ioTransport=" + ioTransport + ", ioSpinMicros=" + ioSpinMicros + ", sessionReset=" + sessionReset + ", linger=" + linger + ", logLevel=" + logLevel
                + ", apiKeys=" + redactedKeys() + ", limits=" + limits + "]";
    }

    private String redactedKeys() {
        StringJoiner out = new StringJoiner(", ", "{", "}");
        new TreeSet<>(apiKeys.keySet()).forEach(name -> out.add(name + "=<redacted>"));
        return out.toString();
    }

    public boolean embeddedBackend() {
        return backend == null;
    }

    /** The documented defaults, with no backend configured (embedded mode). */
    public static GatewayConfig defaults() {
        return ConfigLoader.load(Map.of(), null);
    }

    public GatewayConfig withBackend(BackendTarget b) {
        return new GatewayConfig(b, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withPorts(int newGatewayPort, int newProxyPort) {
        return new GatewayConfig(backend, dataDir, gatewayHost, newGatewayPort, newProxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withAllowedNetworks(List<Cidr> networks) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, networks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withPoolLimits(int perPool, int total, int pools) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, perPool,
                total, pools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withTimeouts(Duration idle, Duration lifetime, Duration connect) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, idle, lifetime, connect, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withPoolMode(PoolMode mode) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, mode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withIoThreads(int threads) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, threads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withIoTransport(IoTransport transport) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, transport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withIoSpinMicros(int micros) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, micros, sessionReset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withSessionReset(boolean reset) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, reset, linger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withLinger(Linger newLinger) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, newLinger, logLevel, apiKeys, limits);
    }

    public GatewayConfig withLimits(Limits newLimits) {
        return new GatewayConfig(backend, dataDir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, newLimits);
    }

    public GatewayConfig withDataDir(Path dir) {
        return new GatewayConfig(backend, dir, gatewayHost, gatewayPort, proxyPort, allowedNetworks, maxConnectionsPerPool,
                maxTotalConnections, maxPools, poolIdleTimeout, poolMaxLifetime, connectionTimeout, poolMode, ioThreads, ioTransport, ioSpinMicros, sessionReset, linger, logLevel, apiKeys, limits);
    }
}
