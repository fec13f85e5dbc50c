package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.protocol.SqlState;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.auth.BackendLogins;
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
 * Each piece of work runs in a transaction of its own on a connection that is reset before anyone else gets it.
 */
public final class DatabaseConnections implements AutoCloseable {

    static final int MAX_POOLS = 16;
    private static final int PER_DATABASE = 3;
    private static final Duration IDLE = Duration.ofSeconds(60);
    /** How long the reset after a request may take; longer (it waits on a lock) and the connection is closed instead. */
    private static final Duration RESET_TIMEOUT = Duration.ofSeconds(5);

    /** Work on one connection, inside the transaction {@link #inTransaction} opened for it. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Entry(HikariDataSource pool, long[] lastUsed) {
    }

    private final BackendTarget backend;
    private final BackendLogins logins;
    private final Duration connectTimeout;
    private final Duration resetTimeout;
    private final Map<String, Entry> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param logins the login of each platform database (its platform's role) */
    public DatabaseConnections(BackendTarget backend, BackendLogins logins, Duration connectTimeout) {
        this(backend, logins, connectTimeout, RESET_TIMEOUT);
    }

    DatabaseConnections(BackendTarget backend, BackendLogins logins, Duration connectTimeout, Duration resetTimeout) {
        this.backend = backend;
        this.logins = logins;
        this.connectTimeout = connectTimeout;
        this.resetTimeout = resetTimeout;
    }

    /**
     * The platform role {@code database} is reached as; a database without one (created behind the gateway's back, or
     * of a platform not adopted yet) is refused, never reached as another login.
     */
    public static BackendLogin platformLogin(BackendLogins logins, String database) throws SQLException {
        BackendLogin login = logins.forDatabase(database);
        if (login == null) {
            throw new SQLException("database " + database + " has no platform role; restart the gateway to adopt it",
                    SqlState.INVALID_CATALOG_NAME);
        }
        return login;
    }

    /**
     * Runs {@code work} on a pooled connection to a validated platform database name, as the platform's role, in a
     * transaction of its own: committed when the work returns, rolled back when it throws. Afterwards, either way, the
     * connection is reset to its session defaults ({@link ConnectionReset}); one that cannot be reset is evicted from
     * the pool and closed.
     */
    public <T> T inTransaction(String database, Work<T> work) throws SQLException {
        if (closed) throw new SQLException("the gateway is stopping", SqlState.ADMIN_SHUTDOWN);
        BackendLogin login = platformLogin(logins, database);
        Entry e = pools.computeIfAbsent(database, name -> newPool(name, login));
        e.lastUsed()[0] = System.nanoTime();
        if (pools.size() > MAX_POOLS) evictOldest(database);
        HikariDataSource pool = e.pool();
        Connection c = pool.getConnection();
        try {
            c.setAutoCommit(false);
            T result = work.run(c);
            c.commit();
            return result;
        } finally {
            if (!ConnectionReset.reset(c, resetTimeout)) pool.evictConnection(c);
            c.close();
        }
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
        // /query relies on the extended protocol: one Parse per statement, so PostgreSQL itself refuses a text that
        // holds several commands. The simple protocol would run them all.
        c.addDataSourceProperty("preferQueryMode", "extended");
        // Reads are charged to the request's ReadBudget; a read past it closes the connection. That is the request's
        // doing, not a broken server: the pool is not to log it as one, the reset after the request evicts it.
        c.addDataSourceProperty("socketFactory", BudgetedSocketFactory.class.getName());
        c.setExceptionOverride(new SQLExceptionOverride() {
            @java.lang.Override // the enum SQLExceptionOverride.Override hides the annotation's simple name here
            public SQLExceptionOverride.Override adjudicate(SQLException e) {
                return ReadBudget.causedBy(e) ? SQLExceptionOverride.Override.DO_NOT_EVICT : SQLExceptionOverride.Override.CONTINUE_EVICT;
            }
        });
        return new Entry(new HikariDataSource(c), new long[]{System.nanoTime()});
    }

    @Override
    public void close() {
        closed = true;
        pools.keySet().forEach(this::close);
    }
}
