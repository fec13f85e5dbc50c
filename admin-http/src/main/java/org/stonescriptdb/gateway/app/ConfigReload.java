package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.PoolTimeouts;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload may change while the gateway runs, and what only a restart changes. Applied at once: the log level and
 * format, {@code ALLOWED_NETWORKS}, the API keys (and so the console's password), the pool limits and the waits for a
 * pool, the client connection limits, renewed certificates. Everything else is compared and named, so the log says
 * which changed settings still wait for a restart.
 */
final class ConfigReload {

    private ConfigReload() {
    }

    /** The configuration that runs after the reload: the loaded one's reloadable parts, the running one's others. */
    static GatewayConfig running(GatewayConfig was, GatewayConfig loaded) {
        PoolTimeouts t = was.pooling().timeouts();
        PoolTimeouts reloadedTimeouts = new PoolTimeouts(loaded.poolIdleTimeout(), t.maxLifetime(), t.connectionTimeout(), loaded.queryWaitTimeout());
        return new GatewayConfig(was.backend(), was.dataDir(), was.listeners().withAllowedNetworks(loaded.allowedNetworks()),
                was.pooling().withSizes(loaded.pooling().sizes()).withTimeouts(reloadedTimeouts), was.io(),
                was.limits().withClientConnections(loaded.limits().maxClientConnections(), loaded.limits().maxClientConnectionsPerAddress()),
                was.tls(), loaded.logLevel(), loaded.apiKeys(), was.clientAuth());
    }

    /** Whether the pool limits, the pool waits or the client connection limits changed: the proxy takes them. */
    static boolean poolsOrClientLimitsChanged(GatewayConfig was, GatewayConfig loaded) {
        return !was.pooling().sizes().equals(loaded.pooling().sizes()) || !was.poolIdleTimeout().equals(loaded.poolIdleTimeout())
                || !was.queryWaitTimeout().equals(loaded.queryWaitTimeout())
                || was.limits().maxClientConnections() != loaded.limits().maxClientConnections()
                || was.limits().maxClientConnectionsPerAddress() != loaded.limits().maxClientConnectionsPerAddress();
    }

    /** The groups of settings that changed in the file but take effect only at the next start. */
    static List<String> needingRestart(GatewayConfig was, GatewayConfig loaded) {
        List<String> out = new ArrayList<>();
        if (!Objects.equals(was.backend(), loaded.backend())) out.add("the backend (DATABASE_URL, DB_*)");
        if (!Objects.equals(was.dataDir(), loaded.dataDir())) out.add("DATA_DIR");
        if (!was.gatewayHost().equals(loaded.gatewayHost()) || was.gatewayPort() != loaded.gatewayPort() || was.proxyPort() != loaded.proxyPort()) {
            out.add("GATEWAY_HOST, GATEWAY_PORT, PROXY_PORT");
        }
        GatewayConfig applied = running(was, loaded);
        if (!applied.pooling().equals(loaded.pooling())) {
            out.add("pool settings (POOL_MODE, SESSION_RESET, POOL_LINGER_*, POOL_MAX_LIFETIME_SECS, CONNECTION_TIMEOUT_SECS)");
        }
        if (!was.io().equals(loaded.io())) out.add("IO_THREADS, IO_TRANSPORT, IO_SPIN_MICROS");
        if (!applied.limits().equals(loaded.limits())) {
            out.add("limits (CLIENT_LOGIN_TIMEOUT_SECS, MAX_MESSAGE_BYTES, MAX_CLIENT_STATEMENT*, HTTP_*)");
        }
        if (!was.tls().equals(loaded.tls())) out.add("TLS settings (TLS_MODE and the file names; renewed files are picked up without one)");
        if (!was.clientAuth().equals(loaded.clientAuth())) out.add("CLIENT_AUTH, ALLOWED_NETWORKS_<PLATFORM>");
        return out;
    }
}
