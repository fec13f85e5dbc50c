package org.stonescriptdb.gateway.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.auth.BackendLogins;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.routing.BackendRouter;
import org.stonescriptdb.gateway.tls.BackendTlsContexts;
import org.stonescriptdb.gateway.tls.BackendTlsNegotiation;
import org.stonescriptdb.gateway.transport.Transport;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Opens logged-in backend connections on a chosen event loop, and sends cancel requests, each to the server the
 * {@link BackendRouter} names for the connection's database.
 */
public final class BackendConnector {

    private final BackendRouter router;
    private final BackendLogins logins;
    private final Transport transport;
    private final Duration connectTimeout;
    private final Duration maxLifetime;
    private final BackendTlsContexts tls;

    public BackendConnector(BackendTarget target, Transport transport, Duration connectTimeout, Duration maxLifetime) {
        this(BackendRouter.single(target), BackendLogins.shared(target.login()), transport, connectTimeout, maxLifetime);
    }

    public BackendConnector(BackendTarget target, BackendLogins logins, Transport transport, Duration connectTimeout, Duration maxLifetime) {
        this(BackendRouter.single(target), logins, transport, connectTimeout, maxLifetime);
    }

    /** @param logins the login of each platform database; a server's maintenance database is reached with the server's own */
    public BackendConnector(BackendRouter router, BackendLogins logins, Transport transport, Duration connectTimeout, Duration maxLifetime) {
        this.router = router;
        this.logins = logins;
        this.transport = transport;
        this.connectTimeout = connectTimeout;
        this.maxLifetime = maxLifetime;
        this.tls = new BackendTlsContexts(router.targets().stream().map(BackendTarget::ssl).toList());
    }

    public BackendRouter router() {
        return router;
    }

    /** How long the gateway waits for a backend: to connect and log in, and to answer the gateway's own queries. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    public BackendLogins logins() {
        return logins;
    }

    /**
     * Connects and logs in to {@code database}. The returned future completes on {@code loop} once the server
     * sent its first ReadyForQuery, or fails with a {@link BackendException} (and the channel is closed).
     *
     * @param onClosed told when a logged-in connection's channel closes, whatever the reason
     */
    public Future<BackendConnection> connect(EventLoop loop, String database, BackendPool pool, Consumer<BackendConnection> onClosed) {
        return connect(loop, database, pool, null, onClosed);
    }

    /** @param applicationName the session's startup application_name (null: the gateway's own, {@link BackendHandler#GATEWAY_NAME}) */
    public Future<BackendConnection> connect(EventLoop loop, String database, BackendPool pool, String applicationName,
                                             Consumer<BackendConnection> onClosed) {
        Promise<BackendConnection> login = loop.newPromise();
        BackendTarget target = serverOf(database, pool);
        BackendLogin credentials = database.equals(target.maintenanceDatabase()) ? target.login() : logins.forDatabase(database);
        if (credentials == null) {
            return login.setFailure(new BackendException(null, "the gateway has no login for database \"" + database
                    + "\" (its platform has no role of its own)"));
        }
        // Retire connections between 90% and 100% of the lifetime so a burst of them does not expire at once.
        long lifetime = maxLifetime.toNanos();
        long retireAt = System.nanoTime() + lifetime - ThreadLocalRandom.current().nextLong(Math.max(1, lifetime / 10));
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        BackendConnection connection = new BackendConnection(ch, database, pool, retireAt);
                        SslContext context = tls.forSettings(target.ssl());
                        if (context != null) ch.pipeline().addLast(new BackendTlsNegotiation(context, target.ssl(), target.host(), target.port()));
                        ch.pipeline().addLast(new BackendHandler(connection, credentials, applicationName, login, onClosed));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target.host(), target.port());
        connecting.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                login.tryFailure(new BackendException(null, "could not connect to the backend at " + target.host() + ":"
                        + target.port() + ": " + f.cause().getMessage()));
            }
        });
        // A server that accepts but never finishes the login must not hold a pool slot forever.
        ScheduledFuture<?> deadline = loop.schedule(() -> login.tryFailure(new BackendException(null,
                "the backend did not complete the login within " + connectTimeout.toSeconds() + " s")), connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        login.addListener(f -> {
            deadline.cancel(false);
            if (!f.isSuccess()) connecting.channel().close();
        });
        return login;
    }

    /** A pool's connections are on the server its key names, routed when the pool was asked for; others are routed now. */
    private BackendTarget serverOf(String database, BackendPool pool) {
        return pool != null ? pool.key.server() : router.route(database);
    }

    /**
     * Forwards a cancel request to the backend with the backend's own key. The connection is held back from other
     * clients until the server has taken the request (it closes the cancel socket once the signal is sent).
     *
     * @param done run once the server has taken the request (or it could not be delivered)
     */
    public void cancel(EventLoop loop, BackendConnection connection, Runnable done) {
        connection.cancelSent();
        int processId = connection.processId();
        int secretKey = connection.secretKey();
        BackendTarget target = serverOf(connection.database(), connection.pool());
        new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                    }
                })
                .connect(target.host(), target.port())
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        f.channel().closeFuture().addListener(closed -> {
                            connection.cancelDone();
                            done.run();
                        });
                        f.channel().writeAndFlush(ClientMessages.cancelRequest(f.channel().alloc(), processId, secretKey));
                        // The server closes the socket when it is done; do not wait for ever if it does not.
                        f.channel().eventLoop().schedule(() -> f.channel().close(), connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    } else {
                        connection.cancelDone();
                        done.run();
                    }
                });
    }
}
