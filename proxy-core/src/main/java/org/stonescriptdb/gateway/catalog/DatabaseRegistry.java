package org.stonescriptdb.gateway.catalog;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendConnector;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Which platform databases exist on the backend. Filled from {@code pg_database} at start, told of databases
 * the admin API creates or drops, and refreshed when a client names one it does not know — at most once per
 * {@link #MIN_REFRESH_INTERVAL}, so a client guessing names cannot hammer the catalogue.
 */
public final class DatabaseRegistry {

    static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = Logger.getLogger(DatabaseRegistry.class.getName());
    /** Clients naming databases while the server is down would repeat it for each; once a minute is enough. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, java.time.Duration.ofMinutes(1));
    private static final String LIST_DATABASES =
            "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate";

    private final BackendConnector connector;
    private final EventLoopGroup group;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Object refreshLock = new Object();
    private CompletableFuture<Void> refreshing;
    private long lastRefreshNanos = System.nanoTime() - MIN_REFRESH_INTERVAL.toNanos();

    public DatabaseRegistry(BackendConnector connector, EventLoopGroup group) {
        this.connector = connector;
        this.group = group;
    }

    /**
     * Whether {@code name} is a platform database that exists; refreshes from the backend on a miss. Fails (rather
     * than answering false) when the backend could not be asked: "does not exist" would send people after a
     * tenant that is fine.
     */
    public CompletableFuture<Boolean> exists(String name) {
        if (DatabaseName.parse(name).isEmpty()) return CompletableFuture.completedFuture(false);
        if (known.contains(name)) return CompletableFuture.completedFuture(true);
        return refresh().handle((ok, error) -> {
            if (known.contains(name)) return true;
            if (error != null) throw new java.util.concurrent.CompletionException(error);
            return false;
        });
    }

    public void added(String name) {
        if (DatabaseName.parse(name).isPresent()) known.add(name);
    }

    public void removed(String name) {
        known.remove(name);
    }

    public Set<String> snapshot() {
        return Set.copyOf(known);
    }

    /** Reloads the list; concurrent callers share one query, and calls within the minimum interval share the last. */
    public CompletableFuture<Void> refresh() {
        synchronized (refreshLock) {
            if (refreshing != null && (!refreshing.isDone() || System.nanoTime() - lastRefreshNanos < MIN_REFRESH_INTERVAL.toNanos())) {
                return refreshing;
            }
            lastRefreshNanos = System.nanoTime();
            refreshing = load();
            return refreshing;
        }
    }

    private CompletableFuture<Void> load() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        var loop = group.next();
        // One server today: its maintenance database lists them all (several servers would each be listed).
        String maintenance = connector.router().targets().getFirst().maintenanceDatabase();
        connector.connect(loop, maintenance, null, c -> { }).addListener((Future<BackendConnection> f) -> {
            if (!f.isSuccess()) {
                THROTTLED.log(Level.WARNING, "list failed", "cannot list databases on the backend: " + f.cause().getMessage());
                done.completeExceptionally(f.cause());
                return;
            }
            BackendConnection connection = f.getNow();
            GatewayQuery.run(connection, ClientMessages.query(connection.channel().alloc(), LIST_DATABASES), 1, loop, connector.connectTimeout())
                    .addListener((Future<GatewayQuery.Result> q) -> {
                        connection.send(ClientMessages.terminate(connection.channel().alloc()));
                        connection.close();
                        if (!q.isSuccess() || q.getNow().failed()) {
                            Throwable cause = q.isSuccess() ? new BackendException(q.getNow().error(), q.getNow().error().message()) : q.cause();
                            THROTTLED.log(Level.WARNING, "list failed", "cannot list databases on the backend: " + cause.getMessage());
                            done.completeExceptionally(cause);
                            return;
                        }
                        Set<String> fresh = new HashSet<>();
                        for (List<String> row : q.getNow().rows()) {
                            if (DatabaseName.parse(row.get(0)).isPresent()) fresh.add(row.get(0));
                        }
                        known.addAll(fresh);
                        known.retainAll(fresh);
                        done.complete(null);
                    });
        });
        return done;
    }
}
