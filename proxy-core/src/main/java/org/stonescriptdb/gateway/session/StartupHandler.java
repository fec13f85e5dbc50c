package org.stonescriptdb.gateway.session;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.ReferenceCountUtil;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.codec.StartupPacket;
import org.stonescriptdb.gateway.config.ClientAuth;
import org.stonescriptdb.gateway.config.TlsMode;
import org.stonescriptdb.gateway.metrics.AuthFailure;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.process.FatalErrors;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.tls.ClientTlsUpgrade;
import org.stonescriptdb.gateway.tls.ServerTls;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's first packets: answers an SSLRequest with 'S' and begins TLS when it is on ('N' when off), a GSSENCRequest
 * with 'N', forwards cancel requests, and for a
 * StartupMessage checks the packet and the database, so nothing reaches a backend before the client is admitted,
 * then hands the connection to a {@link ClientSession}. (The client's address was admitted at accept, before anything
 * was read: {@code proxy.ClientAdmission}.)
 */
public final class StartupHandler extends SimpleChannelInboundHandler<StartupPacket> {

    private static final Logger LOG = Logger.getLogger(StartupHandler.class.getName());
    private static final byte[] NOT_SUPPORTED = {'N'};

    private static final byte[] WILL_ENCRYPT = {'S'};

    private final SessionServices services;
    /** The proxy port's TLS; null when {@code TLS_MODE=off}. */
    private final ServerTls tls;
    private final ConsoleAccess console;
    /** The password exchange under way ({@code CLIENT_AUTH=password}), once the StartupMessage has been accepted. */
    private PasswordLogin passwordLogin;

    public StartupHandler(SessionServices services) {
        this(services, null);
    }

    public StartupHandler(SessionServices services, ServerTls tls) {
        this(services, tls, ConsoleAccess.none());
    }

    public StartupHandler(SessionServices services, ServerTls tls, ConsoleAccess console) {
        this.services = services;
        this.tls = tls;
        this.console = console;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, StartupPacket packet) {
        switch (packet) {
            case StartupPacket.SslRequest r -> answerSslRequest(ctx);
            case StartupPacket.GssEncRequest r -> ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_SUPPORTED));
            case StartupPacket.CancelRequest c -> {
                services.counters().cancelRequested();
                services.cancels().cancel(c.processId(), c.secret(), () -> ctx.channel().close());
            }
            case StartupPacket.Malformed m -> {
                if (passwordLogin != null) passwordLogin.onMalformed(ctx, m.reason());
                else fatal(ctx, SqlState.PROTOCOL_VIOLATION, m.reason());
            }
            case StartupPacket.StartupMessage m -> start(ctx, m);
            case StartupPacket.PasswordMessage p -> {
                if (passwordLogin != null) passwordLogin.onMessage(ctx, p.body());
                else fatal(ctx, SqlState.PROTOCOL_VIOLATION, "unexpected SASL response");
            }
        }
    }

    private void answerSslRequest(ChannelHandlerContext ctx) {
        if (tls == null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(NOT_SUPPORTED));
        } else if (ClientTlsUpgrade.active(ctx.pipeline())) {
            fatal(ctx, SqlState.PROTOCOL_VIOLATION, "SSLRequest received on a connection already using TLS");
        } else if (ctx.pipeline().get(StartupDecoder.class).hasBufferedInput()) {
            fatal(ctx, SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request");
        } else {
            // 'S' is in the channel's outbound buffer before the TLS handler exists, so it goes out in plaintext.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(WILL_ENCRYPT));
            ClientTlsUpgrade.afterSslRequest(ctx.pipeline(), tls, services.counters());
        }
    }

    private void start(ChannelHandlerContext ctx, StartupPacket.StartupMessage message) {
        ctx.channel().config().setAutoRead(false);
        if (tls != null && services.config().tls().mode() == TlsMode.REQUIRE && !ClientTlsUpgrade.active(ctx.pipeline())) {
            services.counters().authFailed(AuthFailure.TLS_REQUIRED);
            fatal(ctx, SqlState.INVALID_AUTHORIZATION, "the gateway accepts only TLS connections (TLS_MODE=require): "
                    + "connect with sslmode=require or stronger");
            return;
        }
        StartupParameters params = StartupParameters.from(message.parameters(), message.minorVersion());
        if (params.user() == null || params.user().isEmpty()) {
            fatal(ctx, SqlState.PROTOCOL_VIOLATION, "no PostgreSQL user name specified in startup packet");
            return;
        }
        if (params.wantsReplication()) {
            fatal(ctx, SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported by the gateway");
            return;
        }
        String refused = StartupSettingsPolicy.firstRefused(params.settings());
        if (refused != null) {
            fatal(ctx, SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to set parameter \"" + refused
                    + "\" at start-up through the gateway; docs/security.md lists the settings a start-up packet may carry");
            return;
        }
        String database = params.database();
        if (console.names(database)) {
            openConsole(ctx, params);
            return;
        }
        ClientAuth auth = services.config().clientAuth();
        String platform = DatabaseName.parse(database).map(DatabaseName::platform).orElse(null);
        if (platform != null && ctx.channel().remoteAddress() instanceof InetSocketAddress a && !auth.admits(platform, a.getAddress())) {
            services.counters().authFailed(AuthFailure.PLATFORM_NETWORK);
            fatal(ctx, SqlState.INVALID_AUTHORIZATION, "no gateway access for host \"" + a.getAddress().getHostAddress()
                    + "\" to database \"" + database + "\"");
            return;
        }
        if (auth.passwordRequired()) {
            // As PostgreSQL does, the password comes first: whether the database exists is told only to a client that proved it.
            passwordLogin = PasswordLogin.toPlatform(services, params.user(), database, () -> admitDatabase(ctx, params));
            passwordLogin.begin(ctx);
        } else {
            admitDatabase(ctx, params);
        }
    }

    /**
     * The admin console: user {@code admin} with the admin key as its password (SCRAM, as any password login), from an
     * allowed address, over TLS when TLS is on.
     */
    private void openConsole(ChannelHandlerContext ctx, StartupParameters params) {
        String refusal = console.refusal(ClientTlsUpgrade.active(ctx.pipeline()));
        if (refusal != null) {
            fatal(ctx, SqlState.INVALID_AUTHORIZATION, refusal);
            return;
        }
        boolean admin = ConsoleAccess.USER.equals(params.user());
        passwordLogin = new PasswordLogin(services, params.user(), params.database(), "the admin console",
                admin ? () -> java.util.concurrent.CompletableFuture.completedFuture(console.credentials()) : null,
                () -> handOver(ctx, console.open(params)));
        passwordLogin.begin(ctx);
    }

    /** Refuses a database that does not exist or that the gateway does not serve; otherwise hands the client to its session. */
    private void admitDatabase(ChannelHandlerContext ctx, StartupParameters params) {
        String database = params.database();
        services.registry().exists(database).whenComplete((exists, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) return;
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                fatal(ctx, SqlState.CONNECTION_FAILURE, "the gateway could not reach the database server to look up database \""
                        + database + "\": " + cause.getMessage());
                return;
            }
            if (!Boolean.TRUE.equals(exists)) {
                fatal(ctx, SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" does not exist");
                return;
            }
            services.connector().logins().lookup(database).whenComplete((login, lookupError) -> ctx.executor().execute(() -> {
                if (!ctx.channel().isActive()) return;
                if (login == null) {
                    // A database the gateway does not manage (created outside it, its platform without a role), or one
                    // whose platform role has more privileges than it may: unreachable.
                    String refusal = services.connector().logins().refusal(database);
                    fatal(ctx, SqlState.INVALID_CATALOG_NAME, "database \"" + database + "\" is not served by the gateway: " + (refusal != null
                            ? refusal : "its platform has no role of its own; register the platform through the admin API, or restart the gateway to adopt it"));
                    return;
                }
                services.counters().clientConnected();
                handOver(ctx, new ClientSession(services, params));
            }));
        }));
    }

    /**
     * Replaces the decoder and this handler with the session. Removing the decoder hands on whatever the client
     * sent after its StartupMessage (a pipelined first query, say); it passes through this handler (not a
     * start-up packet) into a {@link PendingInput}, which keeps it until the session asks for input. The
     * session only does that once it can handle messages (its flow exists after login; until then it would
     * drop them), by turning auto-read back on. The decoder is removed before the session is added, so even a
     * session that logs in at once, inside {@code addLast}, finds the bytes already held.
     */
    static void handOver(ChannelHandlerContext ctx, ChannelHandler session) {
        ChannelPipeline pipeline = ctx.pipeline();
        PendingInput pending = new PendingInput();
        pipeline.addLast(pending);
        pipeline.remove(StartupDecoder.class);
        pipeline.remove(ctx.handler());
        if (pending.isEmpty()) pipeline.remove(pending);
        pipeline.addLast(session);
    }

    /**
     * Holds the client's bytes that arrived before its session could take them, and passes them on, in order
     * and ahead of anything read later, at the first read request from behind it (the session turning
     * auto-read back on), then leaves the pipeline. Releases them if the connection closes first.
     */
    static final class PendingInput extends ChannelDuplexHandler {

        private final List<Object> held = new ArrayList<>();
        private boolean readCompleteHeld;
        private boolean delivered;

        boolean isEmpty() {
            return held.isEmpty();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (delivered) ctx.fireChannelRead(msg);
            else held.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (delivered) ctx.fireChannelReadComplete();
            else readCompleteHeld = true;
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (delivered) {
                ctx.read();
                return;
            }
            delivered = true;
            List<Object> out = new ArrayList<>(held);
            held.clear();
            if (!out.isEmpty() || readCompleteHeld) {
                for (Object msg : out) ctx.fireChannelRead(msg);
                ctx.fireChannelReadComplete();
            }
            ctx.read();
            if (!ctx.isRemoved()) ctx.pipeline().remove(this);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            releaseHeld();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            releaseHeld();
            super.channelInactive(ctx);
        }

        private void releaseHeld() {
            for (Object msg : held) ReferenceCountUtil.release(msg);
            held.clear();
        }
    }

    /** Answers one FATAL and closes: every refusal before a session exists (the password exchange's too). */
    static void fatal(ChannelHandlerContext ctx, String code, String message) {
        ctx.writeAndFlush(ServerMessages.fatal(ctx.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltIfFatal(cause);
        LOG.log(Level.FINE, "start-up failed", cause);
        ctx.close();
    }
}
