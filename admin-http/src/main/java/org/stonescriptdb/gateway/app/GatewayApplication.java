package org.stonescriptdb.gateway.app;

import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.ConfigLoader;
import org.stonescriptdb.gateway.config.DotEnv;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.http.AdminApi;
import org.stonescriptdb.gateway.http.AdminServer;
import org.stonescriptdb.gateway.http.ApiKeys;
import org.stonescriptdb.gateway.http.HealthHandler;
import org.stonescriptdb.gateway.metrics.GatewayMetrics;
import org.stonescriptdb.gateway.proxy.GatewayProxy;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.ControlDatabase;
import org.stonescriptdb.gateway.registry.DatabaseConnections;
import org.stonescriptdb.gateway.registry.PlatformRegistry;
import org.stonescriptdb.gateway.registry.PlatformRoles;
import org.stonescriptdb.gateway.registry.WireCredentials;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;
import org.stonescriptdb.gateway.schema.deploy.UntrustedExtensions;
import org.stonescriptdb.gateway.tls.ReloadingContext;
import org.stonescriptdb.gateway.tls.ServerTls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The whole gateway, wired: backend (configured, or embedded under {@code DATA_DIR}), control pool,
 * proxy and HTTP side-port. {@link GatewayMain} runs one; tests start and stop them directly.
 */
public final class GatewayApplication implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GatewayApplication.class.getName());
    /** How long running queries may go on after a stop is asked for. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /** Headroom on the embedded server above the proxy's cap, for the control pool and a DBA's psql. */
    private static final int EMBEDDED_SPARE_CONNECTIONS = 20;

    /** The configuration in effect: the start's, with what reloads changed since. */
    private volatile GatewayConfig config;
    private final AdminSettings settings;
    /** Where a reload reads the settings: the environment and ./.env, as at start (tests give their own). */
    private volatile Supplier<Map<String, String>> reloadSource = () -> DotEnv.withEnvironment(System.getenv(), Path.of(".env"));
    private LoggingSetup.Format logFormat = LoggingSetup.Format.TEXT;
    private ApiKeys apiKeys;
    private ReloadingContext<javax.net.ssl.SSLContext> https;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private EmbeddedBackend embedded;
    private BackendTarget backend;
    private HikariDataSource control;
    private ControlDatabase controlDatabase;
    private DatabaseConnections connections;
    private PlatformRoles roles;
    private AdoptionAtStart adoption;
    private GatewayMetrics metrics;
    private GatewayProxy proxy;
    private AdminServer http;
    /** Looks for renewed HTTPS files ({@code HTTP_TLS=on}); null otherwise. */
    private ScheduledExecutorService httpsReloader;
    private boolean stopping;

    private GatewayApplication(GatewayConfig config, AdminSettings settings) {
        this.config = config;
        this.settings = settings;
    }

    /** Starts everything with the side-port's default settings. */
    public static GatewayApplication start(GatewayConfig config) throws Exception {
        return start(config, AdminSettings.defaults());
    }

    /** Starts everything, in order; on failure stops what was started and rethrows. */
    public static GatewayApplication start(GatewayConfig config, AdminSettings settings) throws Exception {
        GatewayApplication app = new GatewayApplication(config, settings);
        try {
            app.startComponents();
        } catch (Exception | Error e) {
            app.stop(Duration.ZERO);
            throw e;
        }
        return app;
    }

    private void startComponents() throws Exception {
        BackendTarget superuser = null;
        if (config.embeddedBackend()) {
            embedded = EmbeddedBackend.start(config.dataDir().resolve("postgres"),
                    config.maxTotalConnections() + EMBEDDED_SPARE_CONNECTIONS);
            superuser = embedded.target();
            backend = GatewayRole.prepare(superuser);
        } else {
            backend = config.backend();
        }
        control = ControlPool.create(backend);
        BackendDatabases databases = new BackendDatabases(control);
        if (embedded != null) DemoPlatform.ensure(databases);
        controlDatabase = ControlDatabase.open(backend, databases, config.connectionTimeout());
        roles = new PlatformRoles(control, controlDatabase);
        // The gateway's administrative login: the embedded superuser it started, or DB_USER on an external server.
        BackendTarget administrator = superuser != null ? superuser : backend;
        adoption = new AdoptionAtStart(administrator, databases, roles);
        adoption.runOrRetry();
        WireCredentials wireCredentials = new WireCredentials(controlDatabase);
        proxy = new GatewayProxy(config, backend, roles, wireCredentials);
        // The admin console's SHUTDOWN: the same graceful stop as SIGTERM, after which the process ends.
        proxy.onConsoleShutdown(() -> stop(SHUTDOWN_GRACE));
        proxy.onConsoleReload(this::reload);
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("the proxy could not start on " + config.gatewayHost() + ":" + config.proxyPort()
                    + " (GATEWAY_HOST:PROXY_PORT): " + e.getMessage(), e);
        }
        connections = new DatabaseConnections(backend, roles, config.connectionTimeout());
        metrics = new GatewayMetrics(proxy::stats, proxy.counters(), () -> proxy.pools().poolStats());
        // Deploys open their own connections (one per database being deployed, bounded by the fan-out's parallelism),
        // as the platform's role, so what a bundle creates belongs to the platform.
        SchemaEngine engine = new SchemaEngine(platformConnections(backend, roles), untrustedExtensions(administrator));
        apiKeys = new ApiKeys(config.apiKeys(), config.clientAuth());
        var routes = AdminApi.routes(apiKeys, new HealthHandler(control, proxy::stats, () -> proxy.pools().poolStats(), proxy::liveness),
                databases, new PlatformRegistry(controlDatabase, org.stonescriptdb.gateway.http.Json.MAPPER), roles, proxy, connections, metrics, engine,
                config.limits().httpMaxResultBytes(), settings.deployOptions(), wireCredentials, config.clientAuth());
        // Read before the port is bound, so a bad file is a configuration error (exit status 2), as the proxy's are.
        https = config.tls().https() == null ? null : ServerTls.forHttps(config.tls().https());
        try {
            http = AdminServer.start(config.gatewayHost(), config.gatewayPort(),
                    new AdminServer.Settings(config.allowedNetworks(), settings.maxUploadBytes(), config.limits(), metrics::error,
                    https == null ? null : https::current), routes);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + " (GATEWAY_HOST:GATEWAY_PORT)", e);
        }
        metrics.httpConnections(http::openConnections, http::refusedConnections);
        if (config.tls().enabled()) metrics.tlsCertificate(proxy::tlsCertificateNotAfter);
        metrics.platformClients(proxy::clientsByPlatform);
        if (https != null) {
            // As the proxy's: renewed files are served to new connections within the interval, without a restart.
            httpsReloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gateway-https-reload");
                t.setDaemon(true);
                return t;
            });
            long every = GatewayProxy.TLS_RELOAD_INTERVAL.toMillis();
            httpsReloader.scheduleWithFixedDelay(https::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        }
        LOG.info(() -> "gateway ready: PostgreSQL protocol on " + config.gatewayHost() + ":" + proxy.port()
                + ", HTTP on " + config.gatewayHost() + ":" + http.port()
                + ", backend " + (embedded != null ? "embedded " : "") + backend.host() + ":" + backend.port()
                + ", pool mode " + config.poolMode().name().toLowerCase(java.util.Locale.ROOT));
    }

    /** Connections to a platform database as the platform's role. */
    private static ConnectionSource platformConnections(BackendTarget backend, PlatformRoles roles) {
        return database -> {
            BackendLogin login = DatabaseConnections.platformLogin(roles, database);
            return ConnectionSource.jdbc(backend::jdbcUrl, login.user(), login.password()).open(database);
        };
    }

    /**
     * The untrusted extensions {@code UNTRUSTED_EXTENSIONS} allows, installed when a bundle needs one by the
     * administrative login — never by a platform's role, which gains no privilege for it.
     */
    private UntrustedExtensions untrustedExtensions(BackendTarget administrator) {
        if (settings.untrustedExtensions().isEmpty()) return UntrustedExtensions.NONE;
        LOG.info(() -> "UNTRUSTED_EXTENSIONS: " + String.join(", ", settings.untrustedExtensions())
                + " installed as " + administrator.user() + " when a deployed bundle needs them");
        return UntrustedExtensions.installedAs(administrator.user(), settings.untrustedExtensions(), ConnectionSource.jdbc(
                administrator::jdbcUrl, administrator.user(), administrator.password()));
    }

    public int proxyPort() {
        return proxy.port();
    }

    public int httpPort() {
        return http.port();
    }

    /** Where {@link #reload()} reads the settings from (the environment and ./.env unless set). */
    public void reloadFrom(Supplier<Map<String, String>> source, LoggingSetup.Format startFormat) {
        this.reloadSource = source;
        this.logFormat = startFormat;
    }

    /**
     * Reads the settings again (SIGHUP, the console's RELOAD) and applies what can change while running: the log level
     * and format, {@code ALLOWED_NETWORKS} (for new connections), the API keys and the console's password, renewed
     * certificates. The other settings that changed are named in the log and the answer: they wait for a restart. A
     * file that does not load changes nothing.
     *
     * @return what it did, in one line
     */
    public synchronized String reload() {
        if (stopping) return "not reloaded: the gateway is stopping";
        GatewayConfig loaded;
        LoggingSetup.Format format;
        try {
            Map<String, String> vars = reloadSource.get();
            loaded = ConfigLoader.load(vars);
            format = LoggingSetup.Format.parse(vars.get("LOG_FORMAT"));
        } catch (RuntimeException e) {
            String why = "not reloaded, the running settings stay: " + e.getMessage();
            LOG.warning(why);
            return why;
        }
        GatewayConfig was = config;
        if (loaded.backend() == null && !was.embeddedBackend()) loaded = loaded.withBackend(was.backend());
        List<String> applied = new ArrayList<>();
        if (!was.logLevel().equals(loaded.logLevel()) || format != logFormat) {
            LoggingSetup.configure(loaded.logLevel(), format);
            logFormat = format;
            applied.add("LOG_LEVEL, LOG_FORMAT");
        }
        if (!was.allowedNetworks().equals(loaded.allowedNetworks())) {
            proxy.allowedNetworks(loaded.allowedNetworks());
            http.allowedNetworks(loaded.allowedNetworks());
            applied.add("ALLOWED_NETWORKS");
        }
        if (!was.apiKeys().equals(loaded.apiKeys())) {
            apiKeys.replace(loaded.apiKeys());
            proxy.consoleAdminKey(loaded.apiKeys().get("admin"));
            applied.add("API_KEY_*");
        }
        if (ConfigReload.poolsOrClientLimitsChanged(was, loaded)) {
            applied.add("pool limits and waits (MAX_CONNECTIONS_PER_POOL, MAX_TOTAL_CONNECTIONS, MAX_POOLS, POOL_IDLE_TIMEOUT_SECS,"
                    + " QUERY_WAIT_TIMEOUT_SECS), MAX_CLIENT_CONNECTIONS[_PER_ADDRESS]");
        }
        GatewayConfig running = ConfigReload.running(was, loaded);
        // Always: the pool and client limits that changed, and the console's SHOW CONFIG shows what runs now.
        proxy.reconfigure(running);
        if (proxy.reloadTls()) applied.add("the TLS certificate");
        if (https != null && https.reloadIfChanged()) applied.add("the HTTPS certificate");
        List<String> restart = ConfigReload.needingRestart(was, loaded);
        config = running;
        String summary = "reloaded: " + (applied.isEmpty() ? "nothing changed that a reload applies" : String.join("; ", applied))
                + (restart.isEmpty() ? "" : ". Changed, applied at the next start: " + String.join("; ", restart));
        LOG.info(summary);
        return summary;
    }

    /** The backend the gateway connects to: the configured one, or the embedded server. */
    public BackendTarget backend() {
        return backend;
    }

    public GatewayConfig config() {
        return config;
    }

    /** The Prometheus registry behind {@code /metrics}. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The proxy (tests block its event loops to see /health fail). */
    GatewayProxy proxy() {
        return proxy;
    }

    /** The embedded server, or {@code null} when a backend is configured (tests stop it to see /health fail). */
    EmbeddedBackend embeddedBackend() {
        return embedded;
    }

    /**
     * Stops the proxy (no new clients; running queries get up to {@code grace}), then the HTTP side-port,
     * the control pool and the embedded server. Safe to call more than once and from any thread.
     */
    public synchronized void stop(Duration grace) {
        if (stopping) return;
        stopping = true;
        LOG.info(() -> grace.isZero() ? "stopping" : "stopping; running queries get up to " + grace.toSeconds() + " s");
        if (adoption != null) adoption.stop();
        if (proxy != null) quietly("proxy", () -> proxy.shutdown(grace));
        if (httpsReloader != null) httpsReloader.shutdownNow();
        if (http != null) quietly("HTTP side-port", http::close);
        if (connections != null) quietly("HTTP database pools", connections::close);
        if (controlDatabase != null) quietly("control database pool", controlDatabase::close);
        if (control != null) quietly("control pool", control::close);
        if (embedded != null) quietly("embedded PostgreSQL", embedded::close);
        LOG.info("stopped");
        stopped.countDown();
    }

    @Override
    public void close() {
        stop(SHUTDOWN_GRACE);
    }

    /** Blocks until {@link #stop} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private static void quietly(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "while stopping the " + what + ": " + e.getMessage(), e);
        }
    }
}
