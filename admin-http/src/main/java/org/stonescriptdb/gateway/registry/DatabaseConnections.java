package org.stonescriptdb.gateway.registry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The side-port's own small pools to platform databases, for /call and /query, logged in as each platform's role: a few connections per
 * database, opened on first use, closed when idle, at most {@link #MAX_POOLS} databases at once (the least
 * recently used pool makes room). Kept apart from the proxy's pools so HTTP work cannot starve wire clients.
 */
public final class DatabaseConnections implements AutoCloseable {

    static final int MAX_POOLS = 16;
    private static final int PER_DATABASE = 3;
    private static final Duration IDLE = Duration.ofSeconds(60);

    private record Entry(HikariDataSource pool, long[] lastUsed) {
    }

    private final BackendTarget backend;
    private final PlatformRoles roles;
    private final Duration connectTimeout;
    private final Map<String, Entry> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param roles whose logins reach each platform's databases */
    public DatabaseConnections(BackendTarget backend, PlatformRoles roles, Duration connectTimeout) {
        this.backend = backend;
        this.roles = roles;
        this.connectTimeout = connectTimeout;
    }

    public PlatformRoles roles() {
        return roles;
    }

    /** A connection to a validated platform database name, as the platform's role. */
    public Connection open(String database) throws SQLException {
        if (closed) throw new SQLException("the gateway is stopping", "57P01");
        BackendLogin login = roles.forDatabase(database);
        if (login == null) throw new SQLException("database " + database + " has no platform role; restart the gateway to adopt it", "3D000");
        Entry e = pools.computeIfAbsent(database, name -> newPool(name, login));
        e.lastUsed()[0] = System.nanoTime();
        if (pools.size() > MAX_POOLS) evictOldest(database);
        return e.pool().getConnection();
    }

    /** Closes the pool of a database that is about to be dropped. */
    public void close(String database) {
        Entry e = pools.remove(database);
        if (e != null) e.pool().close();
    }

    private void evictOldest(String keep) {
        pools.entrySet().stream()
                .filter(x -> !x.getKey().equals(keep))
                .min(Comparator.comparingLong(x -> x.getValue().lastUsed()[0]))
                .ifPresent(x -> close(x.getKey()));
    }

    private Entry newPool(String database, BackendLogin login) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("http-" + database);
        c.setJdbcUrl(backend.jdbcUrl(database));
        c.setUsername(login.user());
        c.setPassword(login.password());
        c.setMaximumPoolSize(PER_DATABASE);
        c.setMinimumIdle(0);
        c.setIdleTimeout(IDLE.toMillis());
        c.setConnectionTimeout(connectTimeout.toMillis());
        c.setInitializationFailTimeout(-1);
        c.addDataSourceProperty("ApplicationName", "stonescriptdb-gateway http");
        return new Entry(new HikariDataSource(c), new long[]{System.nanoTime()});
    }

    @Override
    public void close() {
        closed = true;
        pools.keySet().forEach(this::close);
    }
}
