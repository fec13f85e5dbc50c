package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Promise;
import org.stonescriptdb.gateway.auth.Md5Password;
import org.stonescriptdb.gateway.auth.ScramClient;
import org.stonescriptdb.gateway.codec.MessageStreamHandler;
import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.process.FatalErrors;
import org.stonescriptdb.gateway.tls.BackendTlsNegotiation;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.Wire;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads a backend connection: first the login (authentication with the database's credentials, parameter
 * status, key data), then the message stream, which it hands to the connection's current owner.
 */
final class BackendHandler extends MessageStreamHandler {

    private static final Logger LOG = Logger.getLogger(BackendHandler.class.getName());
    /** PostgreSQL never sends a message over 1 GB. */
    private static final int MAX_MESSAGE = 0x3FFF_FFFF;

    private final BackendConnection connection;
    /** The application_name of a connection not opened for a client. */
    static final String GATEWAY_NAME = "stonescriptdb-gateway";

    private final BackendLogin credentials;
    private final String applicationName;
    private final Promise<BackendConnection> login;
    private final Consumer<BackendConnection> onClosed;
    private ScramClient scram;
    /** The owner that let the ReadyForQuery ending the current run through, and its status byte, till the run is forwarded. */
    private BackendOwner readyOwner;
    private byte readyStatus;

    BackendHandler(BackendConnection connection, BackendLogin credentials, String applicationName, Promise<BackendConnection> login, Consumer<BackendConnection> onClosed) {
        super(MAX_MESSAGE);
        this.connection = connection;
        this.credentials = credentials;
        this.applicationName = applicationName == null ? GATEWAY_NAME : applicationName;
        this.login = login;
        this.onClosed = onClosed;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", credentials.user());
        params.put("database", connection.database());
        params.put("application_name", applicationName);
        ctx.writeAndFlush(ClientMessages.startup(ctx.alloc(), params));
        super.channelActive(ctx);
    }

    @Override
    protected boolean passThrough(byte type, int length) {
        if (!login.isDone() || type == BackendType.READY_FOR_QUERY || type == BackendType.PARAMETER_STATUS) return false;
        BackendOwner owner = connection.owner();
        return owner != null && owner.passBackendThrough(type);
    }

    /**
     * A ReadyForQuery its owner would only pass on goes to the client in the run of replies before it: one write instead
     * of two. The run ends with it, and what it means takes effect in {@link #forward}, once the run is on its way.
     */
    @Override
    protected boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
        if (type != BackendType.READY_FOR_QUERY || total != 6 || !login.isDone()) return false;
        BackendOwner owner = connection.owner();
        if (owner == null || !owner.passReadyThrough(connection)) return false;
        readyOwner = owner;
        readyStatus = in.getByte(at + 5);
        endRunAfterThisMessage();
        return true;
    }

    @Override
    protected void forward(ChannelHandlerContext ctx, ByteBuf run) {
        BackendOwner owner = connection.owner();
        if (owner == null) run.release();
        else owner.onBackendData(connection, run);
        BackendOwner ready = readyOwner;
        if (ready != null) {
            readyOwner = null;
            connection.transactionStatus(readyStatus);
            if (ready == owner) ready.readyPassedThrough(connection);
        }
    }

    @Override
    protected void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
        if (!login.isDone()) {
            try {
                onLoginMessage(ctx, type, message);
            } finally {
                message.release();
            }
            return;
        }
        if (type == BackendType.READY_FOR_QUERY) {
            connection.transactionStatus(message.getByte(message.readerIndex() + 5));
        } else if (type == BackendType.PARAMETER_STATUS) {
            recordParameter(message.slice(message.readerIndex() + 5, message.readableBytes() - 5));
        }
        BackendOwner owner = connection.owner();
        if (owner != null) {
            owner.onBackendMessage(connection, type, message);
            return;
        }
        // Nobody is listening: the connection sits idle in its pool. The only thing a server says unasked
        // that matters is a FATAL error before it goes away (e.g. pg_terminate_backend).
        if (type == BackendType.ERROR_RESPONSE) {
            ErrorFields error = ErrorFields.decodeMessage(message);
            LOG.fine(() -> connection + " reported while idle: " + error);
            if (error.fatal()) ctx.close();
        }
        message.release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        BackendOwner owner = connection.owner();
        if (owner != null) owner.onBackendReadComplete(connection);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        BackendOwner owner = connection.owner();
        if (owner instanceof WritabilityListener listener) listener.backendWritabilityChanged(connection);
        super.channelWritabilityChanged(ctx);
    }

    @Override
    protected void onMalformed(ChannelHandlerContext ctx, String reason) {
        LOG.warning(connection + " sent a malformed message (" + reason + "); closing it");
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!login.tryFailure(new BackendException(null, "the server closed the connection during login")) && login.isSuccess()) {
            onClosed.accept(connection);
        }
        BackendOwner owner = connection.owner();
        if (owner != null) owner.onBackendClosed(connection);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltIfFatal(cause);
        if (cause instanceof java.nio.channels.ClosedChannelException) {
            // Writes still queued when the gateway closed the connection (a client left mid-request, say): expected.
            LOG.fine(() -> connection + ": a write after the connection was closed was dropped");
        } else {
            LOG.log(Level.FINE, connection + " failed", cause);
        }
        login.tryFailure(new BackendException(null, cause instanceof BackendTlsNegotiation.BackendTlsException
                ? cause.getMessage() : "connection error: " + cause.getMessage()));
        ctx.close();
    }

    private void onLoginMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
        ByteBuf body = message.slice(message.readerIndex() + 5, message.readableBytes() - 5);
        switch (type) {
            case BackendType.AUTHENTICATION -> authenticate(ctx, body);
            case BackendType.PARAMETER_STATUS -> recordParameter(body);
            case BackendType.BACKEND_KEY_DATA -> connection.keyData(body.readInt(), body.readInt());
            case BackendType.ERROR_RESPONSE -> {
                ErrorFields error = ErrorFields.decode(body);
                login.tryFailure(new BackendException(error, error.message()));
                ctx.close();
            }
            case BackendType.READY_FOR_QUERY -> {
                connection.transactionStatus(body.getByte(body.readerIndex()));
                connection.loginComplete();
                if (!login.trySuccess(connection)) ctx.close();
            }
            default -> { } // NoticeResponse, NegotiateProtocolVersion: nothing to do
        }
    }

    private void recordParameter(ByteBuf body) {
        String name = Wire.readCString(body);
        String value = Wire.readCString(body);
        connection.parameterReported(name, value);
    }

    private void authenticate(ChannelHandlerContext ctx, ByteBuf body) {
        int code = body.readInt();
        try {
            switch (code) {
                case 0 -> { } // AuthenticationOk
                case 3 -> ctx.writeAndFlush(ClientMessages.password(ctx.alloc(), credentials.password()));
                case 5 -> {
                    byte[] salt = ByteBufUtil.getBytes(body, body.readerIndex(), 4);
                    ctx.writeAndFlush(ClientMessages.password(ctx.alloc(), Md5Password.response(credentials.user(), credentials.password(), salt)));
                }
                case 10 -> {
                    boolean offered = false;
                    while (body.isReadable()) {
                        String mechanism = Wire.readCString(body);
                        if (mechanism.isEmpty()) break;
                        offered |= mechanism.equals(ScramClient.MECHANISM);
                    }
                    if (!offered) throw new BackendException(null, "the server offers no SASL mechanism the gateway supports (needs SCRAM-SHA-256)");
                    scram = new ScramClient(credentials.password());
                    ctx.writeAndFlush(ClientMessages.saslInitialResponse(ctx.alloc(), ScramClient.MECHANISM, scram.clientFirstMessage()));
                }
                case 11 -> {
                    if (scram == null) throw new BackendException(null, "SASL continue without SASL start");
                    ctx.writeAndFlush(ClientMessages.saslResponse(ctx.alloc(), scram.clientFinalMessage(ByteBufUtil.getBytes(body))));
                }
                case 12 -> {
                    if (scram == null) throw new BackendException(null, "SASL final without SASL start");
                    scram.verifyServerFinal(ByteBufUtil.getBytes(body));
                }
                default -> throw new BackendException(null, "the server asks for authentication method " + code
                        + ", which the gateway does not support (use trust, password, md5 or scram-sha-256)");
            }
        } catch (RuntimeException e) {
            login.tryFailure(e instanceof BackendException be ? be : new BackendException(null, e.getMessage()));
            ctx.close();
        }
    }
}
