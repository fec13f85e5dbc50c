package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import org.stonescriptdb.gateway.auth.ChannelBinding;
import org.stonescriptdb.gateway.auth.ScramServer;
import org.stonescriptdb.gateway.auth.WireCredential;
import org.stonescriptdb.gateway.codec.StartupDecoder;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.metrics.AuthFailure;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A wire client proving it knows a password of its database's platform ({@code CLIENT_AUTH=password}): SCRAM-SHA-256,
 * and SCRAM-SHA-256-PLUS bound to the TLS connection when it came over TLS. No password ever crosses the wire, and md5
 * and cleartext are never offered.
 *
 * <p>The user name must be the platform's name, and the proof is checked only against that platform's verifiers, so
 * platform A's password never opens platform B's database. A login that cannot succeed (another user name, a database
 * of no platform, a platform without credentials) still runs the whole exchange against a mock, and fails where a
 * wrong password fails, with the same error: a client learns nothing about which names exist.
 */
final class PasswordLogin {

    private static final Logger LOG = Logger.getLogger(PasswordLogin.class.getName());
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, Duration.ofMinutes(1));

    private final SessionServices services;
    private final String user;
    private final String database;
    /** Where the verifiers come from; null when the login cannot succeed whatever the password (a mock runs). */
    private final Supplier<CompletableFuture<List<WireCredential>>> credentials;
    /** What the verifiers belong to, for the log: a platform, or the admin console. */
    private final String owner;
    private final Runnable onAuthenticated;
    private ScramServer scram;
    /** Why a mock exchange stands in for a real one; null when real verifiers are checked. */
    private AuthFailure mockedBecause;
    private boolean initialResponse = true;
    private boolean over;

    PasswordLogin(SessionServices services, String user, String database, String owner,
                  Supplier<CompletableFuture<List<WireCredential>>> credentials, Runnable onAuthenticated) {
        this.services = services;
        this.user = user;
        this.database = database;
        this.owner = owner;
        this.credentials = credentials;
        this.onAuthenticated = onAuthenticated;
    }

    /** A login to a platform database: the platform's verifiers when the user name is the platform's, else a mock. */
    static PasswordLogin toPlatform(SessionServices services, String user, String database, Runnable onAuthenticated) {
        Optional<String> platform = DatabaseName.parse(database).map(DatabaseName::platform).filter(user::equals);
        return new PasswordLogin(services, user, database, platform.map(p -> "platform " + p).orElse(null),
                platform.<Supplier<CompletableFuture<List<WireCredential>>>>map(p -> () -> services.credentials().lookup(p)).orElse(null),
                onAuthenticated);
    }

    /** Looks the verifiers up, then sends AuthenticationSASL. */
    void begin(ChannelHandlerContext ctx) {
        byte[] binding = channelBinding(ctx);
        if (credentials == null) {
            challenge(ctx, ScramServer.mock(user, binding), AuthFailure.USER);
            return;
        }
        credentials.get().whenComplete((found, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) return;
            if (error != null) {
                LOG.log(Level.WARNING, "could not read the wire credentials of " + owner, error);
                StartupHandler.fatal(ctx, SqlState.CONNECTION_FAILURE, "the gateway could not read the credentials of " + owner + "; try again later");
                return;
            }
            List<WireCredential> list = found == null ? List.of() : found;
            ScramServer real = ScramServer.forCredentials(list, Instant.now(), binding);
            if (real == null) {
                THROTTLED.log(Level.WARNING, "no credential " + owner, owner
                        + " has no wire credential: with CLIENT_AUTH=password its clients are refused until one is created");
                challenge(ctx, ScramServer.mock(user, binding), AuthFailure.NO_CREDENTIAL);
            } else {
                challenge(ctx, real, null);
            }
        }));
    }

    private void challenge(ChannelHandlerContext ctx, ScramServer server, AuthFailure mockReason) {
        this.scram = server;
        this.mockedBecause = mockReason;
        ctx.writeAndFlush(ServerMessages.authenticationSasl(ctx.alloc(), server.mechanisms()));
        expectNext(ctx);
    }

    /** A SASLInitialResponse, then a SASLResponse. */
    void onMessage(ChannelHandlerContext ctx, byte[] body) {
        if (over || scram == null) {
            fail(ctx, AuthFailure.PROTOCOL, SqlState.PROTOCOL_VIOLATION, "unexpected SASL response");
            return;
        }
        try {
            if (initialResponse) {
                initialResponse = false;
                ByteBuf in = Unpooled.wrappedBuffer(body);
                int end = in.indexOf(0, in.writerIndex(), (byte) 0);
                if (end < 0 || in.writerIndex() - end - 1 < 4) throw new MalformedResponse("malformed SASLInitialResponse");
                String mechanism = in.toString(0, end, StandardCharsets.UTF_8);
                in.readerIndex(end + 1);
                int length = in.readInt();
                if (length < 0 || length != in.readableBytes()) throw new MalformedResponse("malformed SASLInitialResponse: bad data length");
                byte[] data = new byte[length];
                in.readBytes(data);
                ctx.writeAndFlush(ServerMessages.authenticationSaslData(ctx.alloc(), false, scram.serverFirst(mechanism, data)));
                expectNext(ctx);
            } else {
                byte[] serverFinal = scram.serverFinal(body);
                over = true;
                ctx.write(ServerMessages.authenticationSaslData(ctx.alloc(), true, serverFinal));
                onAuthenticated.run();
            }
        } catch (MalformedResponse e) {
            fail(ctx, AuthFailure.PROTOCOL, SqlState.PROTOCOL_VIOLATION, e.getMessage());
        } catch (ScramServer.Refused e) {
            switch (e.failure()) {
                case PASSWORD -> fail(ctx, mockedBecause != null ? mockedBecause : AuthFailure.PASSWORD, SqlState.INVALID_PASSWORD,
                        "password authentication failed for user \"" + user + "\"");
                case CHANNEL_BINDING -> fail(ctx, AuthFailure.CHANNEL_BINDING, SqlState.PROTOCOL_VIOLATION, e.getMessage());
                case MALFORMED -> fail(ctx, AuthFailure.PROTOCOL, SqlState.PROTOCOL_VIOLATION, e.getMessage());
            }
        }
    }

    /** The decoder refused what came instead of a SASL response. */
    void onMalformed(ChannelHandlerContext ctx, String reason) {
        fail(ctx, AuthFailure.PROTOCOL, SqlState.PROTOCOL_VIOLATION, reason);
    }

    private void fail(ChannelHandlerContext ctx, AuthFailure reason, String code, String message) {
        over = true;
        services.counters().authFailed(reason);
        THROTTLED.log(Level.INFO, "auth " + reason, "refused a login to database \"" + database + "\" as user \"" + user
                + "\" (" + reason.label() + "): " + message);
        StartupHandler.fatal(ctx, code, message);
    }

    private static void expectNext(ChannelHandlerContext ctx) {
        ChannelHandlerContext decoder = ctx.pipeline().context(StartupDecoder.class);
        if (decoder != null) ((StartupDecoder) decoder.handler()).expectPasswordMessage(decoder);
    }

    /** The tls-server-end-point data of the certificate this connection was served, or null without TLS. */
    private static byte[] channelBinding(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) return null;
        Certificate[] served = tls.engine().getSession().getLocalCertificates();
        return served == null || served.length == 0 ? null : ChannelBinding.tlsServerEndPoint(served[0]);
    }

    private static final class MalformedResponse extends Exception {
        MalformedResponse(String message) {
            super(message, null, false, false);
        }
    }
}
