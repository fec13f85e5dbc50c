package org.stonescriptdb.gateway.console;

import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.pool.PoolManager;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.session.ClientSession;
import org.stonescriptdb.gateway.session.SessionServices;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The admin console's commands, with PgBouncer's names and, where the meaning is the same, its column names, so
 * habits and exporters carry over. Each answers a {@link RowSet} or throws {@link ConsoleError}.
 */
final class ConsoleCommands {

    static final String HELP = "SHOW POOLS|CLIENTS|SERVERS|DATABASES|PLATFORMS|STATS|CONFIG|VERSION, RECONNECT [db], KILL db, KILL_CLIENT id, PAUSE [db], RESUME [db], RELOAD, SHUTDOWN";

    /** A command the console refuses: the SQLSTATE and message of the ErrorResponse. */
    static final class ConsoleError extends Exception {
        final String code;

        ConsoleError(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private final SessionServices services;
    private final ConsoleActions actions;
    private final String version;

    ConsoleCommands(SessionServices services, ConsoleActions actions, String version) {
        this.services = services;
        this.actions = actions;
        this.version = version;
    }

    RowSet execute(String text) throws ConsoleError {
        String command = text.strip();
        while (command.endsWith(";")) command = command.substring(0, command.length() - 1).strip();
        String[] words = command.split("\\s+");
        String verb = words[0].toUpperCase(Locale.ROOT);
        return switch (verb) {
            case "SHOW" -> show(words.length == 2 ? words[1].toUpperCase(Locale.ROOT) : "");
            case "RECONNECT" -> reconnect(words.length == 2 ? database(words[1]) : null, words.length);
            case "KILL" -> kill(words.length == 2 ? database(words[1]) : null);
            case "KILL_CLIENT" -> killClient(words.length == 2 ? words[1] : null);
            case "RELOAD" -> {
                if (words.length != 1) throw syntax(command);
                yield RowSet.of("RELOAD", "reloaded").add(actions.reload());
            }
            case "SHUTDOWN" -> {
                if (words.length != 1) throw syntax(command);
                if (!actions.shutdown()) throw new ConsoleError(SqlState.FEATURE_NOT_SUPPORTED, "this gateway cannot be shut down from its console");
                yield RowSet.done("SHUTDOWN");
            }
            // Drivers set session parameters as they connect (pgjdbc: application_name); the console has none to set.
            case "SET" -> RowSet.done("SET");
            case "PAUSE" -> {
                if (words.length > 2) throw syntax(command);
                int busy = services.pools().pause(words.length == 2 ? database(words[1]) : null);
                yield RowSet.of("PAUSE", "busy_connections").add((long) busy);
            }
            case "RESUME" -> {
                if (words.length > 2) throw syntax(command);
                services.pools().resume(words.length == 2 ? database(words[1]) : null);
                yield RowSet.done("RESUME");
            }
            case "SUSPEND", "DISABLE", "ENABLE", "WAIT_CLOSE" -> throw new ConsoleError(SqlState.FEATURE_NOT_SUPPORTED,
                    verb + " is not supported by the gateway's console yet; the console knows " + HELP);
            default -> throw syntax(command);
        };
    }

    private RowSet show(String what) throws ConsoleError {
        return switch (what) {
            case "POOLS" -> pools();
            case "CLIENTS" -> clients();
            case "SERVERS" -> servers();
            case "DATABASES" -> databases();
            case "PLATFORMS" -> platforms();
            case "STATS" -> stats();
            case "CONFIG" -> config();
            case "VERSION" -> RowSet.of("SHOW", "version").add(version);
            case "" -> throw syntax("SHOW");
            default -> throw new ConsoleError(SqlState.FEATURE_NOT_SUPPORTED, "SHOW " + what + " is not known to the gateway's console; it knows " + HELP);
        };
    }

    /** One row per open pool: its clients now, its connections busy and idle, and the pool mode. */
    private RowSet pools() {
        Map<String, Integer> clients = new HashMap<>();
        Map<String, Integer> active = new HashMap<>();
        for (ClientSession s : services.sessions()) {
            clients.merge(s.database(), 1, Integer::sum);
            if (s.busy()) active.merge(s.database(), 1, Integer::sum);
        }
        RowSet rows = RowSet.of("SHOW", "database", "user", "cl_active", "cl_waiting", "cl_idle", "sv_active", "sv_idle", "sv_total", "hits", "misses", "pool_mode", "paused");
        List<PoolManager.PoolStats> pools = new ArrayList<>(services.pools().poolStats());
        pools.sort(Comparator.comparing(PoolManager.PoolStats::database));
        String mode = services.config().poolMode().name().toLowerCase(Locale.ROOT);
        java.util.Set<String> paused = services.pools().paused();
        for (PoolManager.PoolStats p : pools) {
            int all = clients.getOrDefault(p.database(), 0);
            int busy = active.getOrDefault(p.database(), 0);
            rows.add(p.database(), platformRole(p.database()), (long) Math.max(0, busy - p.waiting()), (long) p.waiting(), (long) (all - busy), (long) (p.size() - p.idle()), (long) p.idle(),
                    (long) p.size(), p.hits(), p.misses(), mode, paused.contains("*") || paused.contains(p.database()) ? "yes" : "no");
        }
        return rows;
    }

    private static String platformRole(String database) {
        return DatabaseName.parse(database).map(d -> "ssdb_" + d.platform()).orElse("");
    }

    /** One row per logged-in wire client (this console's own session is not one). */
    private RowSet clients() {
        RowSet rows = RowSet.of("SHOW", "id", "user", "database", "state", "addr", "port", "connect_time", "application_name", "tls");
        List<ClientSession> sessions = new ArrayList<>(services.sessions());
        sessions.sort(Comparator.comparingInt(ClientSession::processId));
        for (ClientSession s : sessions) {
            String addr = "", port = "";
            if (s.remoteAddress() instanceof InetSocketAddress a) {
                addr = a.getAddress().getHostAddress();
                port = Integer.toString(a.getPort());
            }
            rows.add((long) s.processId(), s.user(), s.database(), s.busy() ? "active" : "idle", addr, port, s.connectedAt().toString(),
                    s.applicationName(), s.overTls() ? "yes" : "no");
        }
        return rows;
    }

    /**
     * One row per backend connection: those serving a client now (from the clients' side: in transaction pooling a
     * client holds one only within a transaction or while it lingers), then the idle ones of every pool.
     */
    private RowSet servers() {
        RowSet rows = RowSet.of("SHOW", "type", "user", "database", "state", "addr", "port", "local_port", "pid", "client_id", "tls");
        List<ClientSession> sessions = new ArrayList<>(services.sessions());
        sessions.sort(Comparator.comparingInt(ClientSession::processId));
        java.util.Set<org.stonescriptdb.gateway.pool.BackendConnection> listed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ClientSession s : sessions) {
            var backend = s.backend();
            if (backend != null && listed.add(backend)) server(rows, backend, "active", Long.toString(s.processId()));
        }
        for (var backend : services.pools().idleConnections()) {
            if (listed.add(backend)) server(rows, backend, "idle", "");
        }
        return rows;
    }

    private static void server(RowSet rows, org.stonescriptdb.gateway.pool.BackendConnection b, String state, String clientId) {
        String addr = "", port = "", localPort = "";
        if (b.channel().remoteAddress() instanceof InetSocketAddress remote) {
            addr = remote.getAddress().getHostAddress();
            port = Integer.toString(remote.getPort());
        }
        if (b.channel().localAddress() instanceof InetSocketAddress local) localPort = Integer.toString(local.getPort());
        boolean tls = b.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
        rows.add("S", platformRole(b.database()), b.database(), state, addr, port, localPort, (long) b.processId(), clientId, tls ? "yes" : "no");
    }

    /** Every platform database the gateway knows, with its pool if one is open. */
    private RowSet databases() {
        Map<String, PoolManager.PoolStats> pools = new HashMap<>();
        for (PoolManager.PoolStats p : services.pools().poolStats()) pools.put(p.database(), p);
        GatewayConfig c = services.config();
        RowSet rows = RowSet.of("SHOW", "name", "platform", "pool_size", "current_connections", "pool_mode");
        for (String name : new TreeSet<>(services.registry().snapshot())) {
            PoolManager.PoolStats p = pools.get(name);
            rows.add(name, DatabaseName.parse(name).map(DatabaseName::platform).orElse(""), (long) c.maxConnectionsPerPool(),
                    (long) (p == null ? 0 : p.size()), c.poolMode().name().toLowerCase(Locale.ROOT));
        }
        return rows;
    }

    private RowSet platforms() {
        Map<String, int[]> byPlatform = new TreeMap<>();
        for (String name : services.registry().snapshot()) {
            DatabaseName.parse(name).ifPresent(d -> byPlatform.computeIfAbsent(d.platform(), p -> new int[1])[0]++);
        }
        Map<String, Integer> clients = new HashMap<>();
        for (ClientSession s : services.sessions()) {
            DatabaseName.parse(s.database()).ifPresent(d -> clients.merge(d.platform(), 1, Integer::sum));
        }
        RowSet rows = RowSet.of("SHOW", "platform", "databases", "clients", "role");
        byPlatform.forEach((platform, count) -> rows.add(platform, (long) count[0], (long) clients.getOrDefault(platform, 0), "ssdb_" + platform));
        return rows;
    }

    /** The gateway's counters since it started (one row: they are kept for the whole process). */
    private RowSet stats() {
        var counters = services.counters();
        PoolManager.Stats pools = services.pools().stats();
        return RowSet.of("SHOW", "database", "total_xact_count", "total_wait_count", "total_wait_time", "total_client_connections",
                        "total_cancel_requests", "cl_waiting", "sv_total", "sv_idle")
                .add("*", counters.transactions(), counters.waits(), counters.waitNanos() / 1_000, counters.clientConnections(),
                        counters.cancelRequests(), (long) pools.waiting(), (long) pools.totalConnections(), (long) pools.idleConnections());
    }

    /** The settings that matter to a DBA as they run now (after any reload), never a secret (API keys by name only). */
    private RowSet config() {
        GatewayConfig c = services.pools().config();
        RowSet rows = RowSet.of("SHOW", "key", "value");
        rows.add("pool_mode", c.poolMode().name().toLowerCase(Locale.ROOT));
        rows.add("max_connections_per_pool", Integer.toString(c.maxConnectionsPerPool()));
        rows.add("max_total_connections", Integer.toString(c.maxTotalConnections()));
        rows.add("max_pools", Integer.toString(c.maxPools()));
        rows.add("pool_idle_timeout_secs", Long.toString(c.poolIdleTimeout().toSeconds()));
        rows.add("pool_max_lifetime_secs", Long.toString(c.poolMaxLifetime().toSeconds()));
        rows.add("connection_timeout_secs", Long.toString(c.connectionTimeout().toSeconds()));
        rows.add("query_wait_timeout_secs", Long.toString(c.queryWaitTimeout().toSeconds()));
        rows.add("session_reset", c.sessionReset() ? "on" : "off");
        rows.add("max_client_connections", Integer.toString(c.limits().maxClientConnections()));
        rows.add("max_client_connections_per_address", Integer.toString(c.limits().maxClientConnectionsPerAddress()));
        rows.add("allowed_networks", c.allowedNetworks().toString());
        rows.add("client_auth", c.clientAuth().mode().name().toLowerCase(Locale.ROOT));
        rows.add("tls_mode", c.tls().mode().name().toLowerCase(Locale.ROOT));
        rows.add("io_threads", Integer.toString(c.ioThreads()));
        rows.add("api_keys", String.join(",", new TreeSet<>(c.apiKeys().keySet())));
        return rows;
    }

    /** Closes the pool's connections (idle ones now, busy ones as they are released); its clients get new ones. */
    private RowSet reconnect(String database, int words) throws ConsoleError {
        if (words > 2) throw syntax("RECONNECT");
        List<String> targets = database != null ? List.of(database)
                : services.pools().poolStats().stream().map(PoolManager.PoolStats::database).toList();
        for (String db : targets) services.pools().closeDatabase(db);
        return RowSet.done("RECONNECT");
    }

    /** Ends every client of the database (FATAL 57P01) and closes its pool. */
    private RowSet kill(String database) throws ConsoleError {
        if (database == null) throw new ConsoleError(SqlState.SYNTAX_ERROR, "KILL needs a database: KILL acme_main");
        for (ClientSession s : services.sessions()) {
            if (s.database().equals(database)) s.terminate("terminating connection due to administrator command (KILL " + database + ")");
        }
        services.pools().closeDatabase(database);
        return RowSet.done("KILL");
    }

    private RowSet killClient(String id) throws ConsoleError {
        int processId;
        try {
            processId = Integer.parseInt(id == null ? "" : id);
        } catch (NumberFormatException e) {
            throw new ConsoleError(SqlState.SYNTAX_ERROR, "KILL_CLIENT needs a client id from SHOW CLIENTS: KILL_CLIENT 1234");
        }
        for (ClientSession s : services.sessions()) {
            if (s.processId() == processId) {
                s.terminate("terminating connection due to administrator command (KILL_CLIENT " + processId + ")");
                return RowSet.done("KILL_CLIENT");
            }
        }
        throw new ConsoleError(SqlState.UNDEFINED_OBJECT, "no client with id " + processId + " (SHOW CLIENTS lists them)");
    }

    private String database(String name) throws ConsoleError {
        if (DatabaseName.parse(name).isEmpty()) throw new ConsoleError(SqlState.INVALID_CATALOG_NAME, "\"" + name + "\" is not a platform database");
        return name;
    }

    private static ConsoleError syntax(String command) {
        return new ConsoleError(SqlState.SYNTAX_ERROR, "the gateway's console does not know \"" + command + "\"; it knows " + HELP);
    }
}
