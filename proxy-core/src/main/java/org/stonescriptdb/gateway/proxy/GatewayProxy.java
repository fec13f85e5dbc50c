package org.stonescriptdb.gateway.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.auth.BackendLogins;
import org.stonescriptdb.gateway.auth.ClientCredentials;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.console.AdminConsole;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.metrics.ProxyStats;
import org.stonescriptdb.gateway.pool.BackendConnector;
import org.stonescriptdb.gateway.pool.PoolManager;
import org.stonescriptdb.gateway.process.FatalErrors;
import org.stonescriptdb.gateway.catalog.DatabaseRegistry;
import org.stonescriptdb.gateway.session.CancelRegistry;
import org.stonescriptdb.gateway.session.ClientSession;
import org.stonescriptdb.gateway.session.LoginDeadline;
import org.stonescriptdb.gateway.session.SessionServices;
import org.stonescriptdb.gateway.session.StartupHandler;
import org.stonescriptdb.gateway.session.StatementRegistry;
import org.stonescriptdb.gateway.tls.DirectTlsDetector;
import org.stonescriptdb.gateway.tls.ServerTls;
import org.stonescriptdb.gateway.transport.Transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The wire-protocol side of the gateway: listens on {@code PROXY_PORT}, admits clients by address,
 * routes them by database name and serves them from shared backend pools.
 */
public final class GatewayProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GatewayProxy.class.getName());
    private static final Duration HOUSEKEEPING_INTERVAL = Duration.ofSeconds(1);
    /** Longer than the graceful shutdown's own timeout (2 s), so a loop that is merely slow still stops in time. */
    private static final Duration LOOP_STOP_WAIT = Duration.ofSeconds(5);
    /** How long {@link #endDatabase} waits for the ended sessions to close. */
    private static final Duration END_DATABASE_WAIT = Duration.ofSeconds(5);
    /** How often each event loop proves it still runs tasks. */
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /** A loop silent this long serves no one: well beyond a GC pause or a burst of work, well within a probe's patience. */
    private static final Duration STALL_AFTER = Duration.ofSeconds(5);
    /** How often the TLS files are looked at for a renewed certificate. */
    /** How often renewed TLS files are looked for (the side-port's HTTPS too). */
    public static final Duration TLS_RELOAD_INTERVAL = Duration.ofSeconds(10);

    private final GatewayConfig config;
    private final Transport transport;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final SessionServices services;
    private final ClientAdmission admission;
    private final EventLoopWatch acceptWatch;
    private final EventLoopWatch ioWatch;
    private volatile Channel server;
    private ScheduledFuture<?> housekeeping;
    private volatile boolean stopped;
    /** The proxy port's TLS; null when {@code TLS_MODE=off}. */
    private final ServerTls tls;
    private final AdminConsole console;
    private volatile Runnable consoleShutdown;
    private volatile java.util.function.Supplier<String> consoleReload;
    /** Looks for renewed TLS files: blocking file I/O, so a thread of its own, never an event loop. */
    private ScheduledExecutorService tlsReloader;

    /** @param backend the resolved backend (configured, or the embedded server's address) */
    public GatewayProxy(GatewayConfig config, BackendTarget backend) {
        this(config, backend, BackendLogins.shared(backend.login()));
    }

    /**
     * @param backend the resolved backend (configured, or the embedded server's address) and the gateway's own login
     * @param logins  the login each platform database is served with
     */
    public GatewayProxy(GatewayConfig config, BackendTarget backend, BackendLogins logins) {
        this(config, backend, logins, ClientCredentials.none());
    }

    /**
     * @param credentials each platform's wire credentials, checked when {@code CLIENT_AUTH=password}
     */
    public GatewayProxy(GatewayConfig config, BackendTarget backend, BackendLogins logins, ClientCredentials credentials) {
        this.config = config;
        Transport chosen = Transport.of(config.ioTransport());
        EventLoopGroup accepting;
        try {
            accepting = chosen.newGroup(1, "gateway-accept");
        } catch (RuntimeException e) {
            // io_uring said it was available but a ring could not be set up (an old kernel's locked-memory limit, a
            // sandbox): with IO_TRANSPORT=auto, epoll serves instead; a transport asked for by name stops the start.
            if (config.ioTransport() != IoTransport.AUTO || !Transport.available(IoTransport.EPOLL)) throw e;
            LOG.warning("the " + chosen.name() + " transport could not start (" + e.getMessage() + "); using epoll");
            chosen = Transport.of(IoTransport.EPOLL);
            accepting = chosen.newGroup(1, "gateway-accept");
        }
        this.transport = chosen;
        this.acceptors = accepting;
        this.workers = transport.newGroup(config.ioThreads(), "gateway-io", config.ioSpinMicros());
        // A loop that ends on its own took its channels with it and cannot be restarted: the process must go.
        this.acceptWatch = new EventLoopWatch("gateway-accept", acceptors, HEARTBEAT_INTERVAL, STALL_AFTER, FatalErrors::halt);
        this.ioWatch = new EventLoopWatch("gateway-io", workers, HEARTBEAT_INTERVAL, STALL_AFTER, FatalErrors::halt);
        BackendConnector connector = new BackendConnector(backend, logins, transport, config.connectionTimeout(), config.poolMaxLifetime());
        ProxyCounters counters = new ProxyCounters();
        this.services = new SessionServices(config, new PoolManager(config, connector, counters), connector,
                new DatabaseRegistry(connector, workers), new CancelRegistry(), ConcurrentHashMap.newKeySet(), new StatementRegistry(),
                counters, credentials);
        this.admission = new ClientAdmission(config, counters);
        this.tls = config.tls().enabled() ? new ServerTls(config.tls()) : null;
        this.console = new AdminConsole(services, tls != null, AdminConsole.actions(() -> {
            java.util.function.Supplier<String> reload = consoleReload;
            return reload != null ? reload.get() : (reloadTls() ? "TLS certificate reloaded" : "TLS files unchanged (or TLS off)")
                    + "; other settings need a restart";
        }, () -> consoleShutdown));
    }

    /** Wire clients connected now, by platform (for the per-platform metrics; counted when asked). */
    public java.util.Map<String, Long> clientsByPlatform() {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        for (var session : services.sessions()) out.merge(org.stonescriptdb.gateway.metrics.ProxyCounters.platformLabel(session.database()), 1L, Long::sum);
        return out;
    }

    /**
     * A reload's pool limits and timeouts ({@link PoolManager#reconfigure}) and client connection limits; the pool
     * manager keeps {@code reloaded} whole as the configuration in effect (the console's SHOW CONFIG).
     */
    public void reconfigure(GatewayConfig reloaded) {
        services.pools().reconfigure(reloaded);
        admission.clientLimits(reloaded.limits().maxClientConnections(), reloaded.limits().maxClientConnectionsPerAddress());
    }

    /** Admits wire clients from these networks from now on ({@code ALLOWED_NETWORKS} reloaded); open connections stay. */
    public void allowedNetworks(java.util.List<org.stonescriptdb.gateway.config.Cidr> networks) {
        admission.allowedNetworks(networks);
    }

    /** The admin console's password from now on ({@code API_KEY_ADMIN} reloaded; null closes the console). */
    public void consoleAdminKey(String key) {
        console.adminKey(key);
    }

    /** What the admin console's RELOAD runs (the application's reload, which says what it did); without it, TLS files only. */
    public void onConsoleReload(java.util.function.Supplier<String> reload) {
        this.consoleReload = reload;
    }

    /** What the admin console's SHUTDOWN runs (the application's graceful stop); without it the console cannot stop the gateway. */
    public void onConsoleShutdown(Runnable stop) {
        this.consoleShutdown = stop;
    }

    /** When the proxy port's TLS certificate expires; null when TLS is off. */
    public java.time.Instant tlsCertificateNotAfter() {
        return tls == null ? null : tls.notAfter();
    }

    /** Loads the database registry and binds {@code GATEWAY_HOST:PROXY_PORT}; returns when listening. */
    public void start() throws InterruptedException {
        try {
            services.registry().refresh().get(config.connectionTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not fatal: the registry retries on the first client that names a database.
            LOG.warning("could not load the database list at start: " + e.getMessage());
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!admission.admit(ch)) return;
                        if (tls != null) ch.pipeline().addLast(new DirectTlsDetector(tls, services.counters()));
                        ch.pipeline().addLast(new LoginDeadline(config.limits().clientLoginTimeout()), new StartupDecoder(), new StartupHandler(services, tls, console));
                    }
                });
        server = bootstrap.bind(config.gatewayHost(), config.proxyPort()).sync().channel();
        acceptWatch.start();
        ioWatch.start();
        housekeeping = workers.next().scheduleAtFixedRate(services.pools()::housekeep,
                HOUSEKEEPING_INTERVAL.toMillis(), HOUSEKEEPING_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        if (tls != null) {
            tlsReloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "gateway-tls-reload");
                t.setDaemon(true);
                return t;
            });
            tlsReloader.scheduleWithFixedDelay(tls::reloadIfChanged, TLS_RELOAD_INTERVAL.toMillis(), TLS_RELOAD_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("proxy listening on " + config.gatewayHost() + ":" + port() + " (" + config.poolMode().name().toLowerCase() + " pooling, "
                + config.ioThreads() + " event loop" + (config.ioThreads() == 1 ? "" : "s") + " on " + transport.name()
                + (config.ioSpinMicros() > 0 ? ", polling " + config.ioSpinMicros() + " µs before sleeping" : "")
                + (tls != null ? ", TLS " + config.tls().mode().name().toLowerCase() + " on " + ServerTls.implementation() : "") + ")");
    }

    /** Rebuilds the TLS context now if its files changed (what the reload thread does every few seconds); false when off. */
    public boolean reloadTls() {
        return tls != null && tls.reloadIfChanged();
    }

    /** The event loops serving client and backend connections (tests watch their threads). */
    public EventLoopGroup eventLoops() {
        return workers;
    }

    /** The event loop that accepts clients (tests block it). */
    public EventLoopGroup acceptLoops() {
        return acceptors;
    }

    /**
     * Whether the proxy accepts and serves clients now: listening, not stopping, and every event loop ran its heartbeat
     * within the last few seconds. Never waits on a loop, so a blocked one cannot block the caller.
     */
    public Liveness liveness() {
        if (stopped) return new Liveness(List.of("the proxy is stopping"));
        Channel listener = server;
        List<String> problems = new ArrayList<>();
        if (listener == null || !listener.isActive()) problems.add("the proxy is not listening on " + config.gatewayHost() + ":" + config.proxyPort());
        problems.addAll(acceptWatch.problems());
        problems.addAll(ioWatch.problems());
        return new Liveness(problems);
    }

    /** The event loops' kernel interface: io_uring, epoll or nio. */
    public String transportName() {
        return transport.name();
    }

    /** The bound port (useful when {@code PROXY_PORT=0}). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Distinct prepared statements the clients hold now, gateway-wide. */
    public int preparedStatements() {
        return services.statements().size();
    }

    /** Client connections open now, logged in or not (what MAX_CLIENT_CONNECTIONS counts). */
    public int openClientConnections() {
        return admission.open();
    }

    public ProxyStats stats() {
        PoolManager.Stats s = services.pools().stats();
        return new ProxyStats(s.activePools(), s.totalConnections(), s.idleConnections(), services.sessions().size(), s.waiting());
    }

    public ProxyCounters counters() {
        return services.counters();
    }

    public PoolManager pools() {
        return services.pools();
    }

    public DatabaseRegistry registry() {
        return services.registry();
    }

    /** Tells the router a database now exists (created through the admin API) or no longer does. */
    public void databaseCreated(String name) {
        services.registry().added(name);
    }

    public void databaseDropped(String name) {
        services.registry().removed(name);
        services.databaseDropped(name);
        services.pools().closeDatabase(name);
    }

    /**
     * For a database about to be dropped: no new client is routed to it, every client session of it ends with FATAL
     * 57P01 and {@code reason}, and its pools close. Waits (up to {@link #END_DATABASE_WAIT}) until those sessions have
     * gone, so their backends are back before the drop and a database created again under the same name never serves
     * a session opened before.
     */
    public void endDatabase(String database, String reason) {
        services.registry().removed(database);
        long deadline = System.nanoTime() + END_DATABASE_WAIT.toNanos();
        Set<ClientSession> told = new HashSet<>();
        List<ClientSession> open = sessionsOf(database);
        while (true) {
            // Each is told once; one that passed the router just before the database left it may appear only now.
            for (ClientSession s : open) if (told.add(s)) s.terminate(reason);
            if (open.isEmpty() || System.nanoTime() >= deadline) break;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            open = sessionsOf(database);
        }
        if (!open.isEmpty()) {
            LOG.warning(open.size() + " session(s) of " + database + " had not closed after " + END_DATABASE_WAIT.toSeconds()
                    + " s; their backends are closed when released");
        }
        // Last, so a pool a session opened while it was being ended goes too.
        services.databaseDropped(database);
        services.pools().closeDatabase(database);
    }

    private List<ClientSession> sessionsOf(String database) {
        return services.sessions().stream().filter(s -> database.equals(s.database())).toList();
    }

    /** Stops accepting, lets running queries finish for up to {@code grace}, then closes every connection. */
    public void shutdown(Duration grace) {
        if (stopped) return;
        stopped = true;
        acceptWatch.stopping();
        ioWatch.stopping();
        if (server != null) server.close().syncUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && services.sessions().stream().anyMatch(ClientSession::busy)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ClientSession session : services.sessions()) session.terminate("terminating connection because the gateway is shutting down");
        if (housekeeping != null) housekeeping.cancel(false);
        if (tlsReloader != null) tlsReloader.shutdownNow();
        services.pools().close();
        awaitStopped(workers.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS), "I/O");
        awaitStopped(acceptors.shutdownGracefully(0, 1_000, TimeUnit.MILLISECONDS), "accepting");
    }

    /**
     * Waits a bounded time for event loops to stop. Netty's io_uring loop can, rarely, wait forever at the end for a
     * completion that never comes (about one run of the suite in four, in {@code IoUringIoHandler.prepareToDestroy}); its threads
     * are daemons, so a stop must not hang on them — the process can still exit.
     */
    private static void awaitStopped(io.netty.util.concurrent.Future<?> termination, String loops) {
        if (!termination.awaitUninterruptibly(LOOP_STOP_WAIT.toMillis())) {
            LOG.warning("the " + loops + " event loops did not stop within " + LOOP_STOP_WAIT.toSeconds() + " s; leaving them behind");
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
