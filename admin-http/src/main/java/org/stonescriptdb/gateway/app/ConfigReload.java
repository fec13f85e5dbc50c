package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.config.GatewayConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload may change while the gateway runs, and what only a restart changes. Applied at once: the log level and
 * format, {@code ALLOWED_NETWORKS}, the API keys (and so the console's password), renewed certificates. Everything else
 * is compared and named, so the log says which changed settings still wait for a restart.
 */
final class ConfigReload {

    private ConfigReload() {
    }

    /** The configuration that runs after the reload: the loaded one's reloadable parts, the running one's others. */
    static GatewayConfig running(GatewayConfig was, GatewayConfig loaded) {
        return new GatewayConfig(was.backend(), was.dataDir(), was.listeners().withAllowedNetworks(loaded.allowedNetworks()), was.pooling(),
                was.io(), was.limits(), was.tls(), loaded.logLevel(), loaded.apiKeys(), was.clientAuth());
    }

    /** The groups of settings that changed in the file but take effect only at the next start. */
    static List<String> needingRestart(GatewayConfig was, GatewayConfig loaded) {
        List<String> out = new ArrayList<>();
        if (!Objects.equals(was.backend(), loaded.backend())) out.add("the backend (DATABASE_URL, DB_*)");
        if (!Objects.equals(was.dataDir(), loaded.dataDir())) out.add("DATA_DIR");
        if (!was.gatewayHost().equals(loaded.gatewayHost()) || was.gatewayPort() != loaded.gatewayPort() || was.proxyPort() != loaded.proxyPort()) {
            out.add("GATEWAY_HOST, GATEWAY_PORT, PROXY_PORT");
        }
        if (!was.pooling().equals(loaded.pooling())) out.add("pool settings (POOL_MODE, MAX_CONNECTIONS_PER_POOL, MAX_TOTAL_CONNECTIONS, MAX_POOLS, timeouts, SESSION_RESET, linger)");
        if (!was.io().equals(loaded.io())) out.add("IO_THREADS, IO_TRANSPORT, IO_SPIN_MICROS");
        if (!was.limits().equals(loaded.limits())) out.add("client and HTTP limits (MAX_CLIENT_*, CLIENT_LOGIN_TIMEOUT_SECS, MAX_MESSAGE_BYTES, HTTP_*)");
        if (!was.tls().equals(loaded.tls())) out.add("TLS settings (TLS_MODE and the file names; renewed files are picked up without one)");
        if (!was.clientAuth().equals(loaded.clientAuth())) out.add("CLIENT_AUTH, ALLOWED_NETWORKS_<PLATFORM>");
        return out;
    }

    /** The reloadable settings that changed. */
    static List<String> applied(GatewayConfig was, GatewayConfig loaded, boolean logFormatChanged) {
        List<String> out = new ArrayList<>();
        if (!was.logLevel().equals(loaded.logLevel()) || logFormatChanged) out.add("LOG_LEVEL, LOG_FORMAT");
        if (!was.allowedNetworks().equals(loaded.allowedNetworks())) out.add("ALLOWED_NETWORKS");
        if (!was.apiKeys().equals(loaded.apiKeys())) out.add("API_KEY_*");
        return out;
    }
}
