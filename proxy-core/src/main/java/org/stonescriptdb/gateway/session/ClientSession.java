package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import org.stonescriptdb.gateway.codec.MessageStreamHandler;
import org.stonescriptdb.gateway.config.Limits;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.process.FatalErrors;
import org.stonescriptdb.gateway.protocol.FrontendMessageFormat;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection after start-up. {@link SessionLogin} logs the client in (applying the startup packet's
 * settings and greeting the client with a backend's real parameters); then the message stream goes to a
 * {@link ClientFlow}: session pooling keeps that backend, transaction pooling gives it back between
 * transactions.
 */
public final class ClientSession extends MessageStreamHandler {

    private static final Logger LOG = Logger.getLogger(ClientSession.class.getName());

    private final SessionServices services;
    private final StartupParameters startup;
    private final ClientParameters parameters;
    private final PoolMode mode;
    private Channel client;
    private final java.time.Instant connectedAt = java.time.Instant.now();
    private int processId;
    private int secretKey;
    private volatile boolean closed;
    /** The session is ending with a FATAL already sent: nothing more reaches a backend, and no second FATAL is sent. */
    private final AtomicBoolean fatalSent = new AtomicBoolean();
    /** The client broke the protocol: nothing more it sends is read or forwarded, and the session ends with a FATAL. */
    private boolean refusing;
    private volatile ClientFlow flow;
    private final SessionLogin login;

    /** A startup setting (or {@code options=-c gateway.pool_mode=session}) choosing the pool mode per connection. */
    public static final String POOL_MODE_SETTING = "gateway.pool_mode";

    public ClientSession(SessionServices services, StartupParameters startup) {
        // Passed through (CopyData, a session-mode stream): PostgreSQL's own 1 GB bound; read whole: MAX_MESSAGE_BYTES.
        super(Limits.PROTOCOL_MAX_MESSAGE_BYTES, services.config().limits().maxMessageBytes());
        this.services = services;
        this.startup = startup;
        Map<String, String> settings = new LinkedHashMap<>(startup.settings());
        String requestedMode = settings.remove(POOL_MODE_SETTING);
        this.parameters = new ClientParameters(settings);
        this.mode = poolMode(requestedMode, services.config().poolMode());
        this.login = new SessionLogin(this, services, startup, parameters, mode);
    }

    /** The client's own choice if it made a valid one, else the configured mode. */
    static PoolMode poolMode(String requested, PoolMode configured) {
        if (requested == null) return configured;
        return switch (requested.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "session" -> PoolMode.SESSION;
            case "transaction" -> PoolMode.TRANSACTION;
            default -> configured;
        };
    }

    public String database() {
        return startup.database();
    }

    public String user() {
        return startup.user();
    }

    /** The id the client got in BackendKeyData; the admin console's {@code KILL_CLIENT} takes it. */
    public int processId() {
        return processId;
    }

    /** Where the client connects from; null before the session is in its pipeline. */
    public java.net.SocketAddress remoteAddress() {
        Channel c = client;
        return c == null ? null : c.remoteAddress();
    }

    /** When the session began (its login had been accepted). */
    public java.time.Instant connectedAt() {
        return connectedAt;
    }

    /** Whether the client speaks TLS with the gateway. */
    public boolean overTls() {
        Channel c = client;
        return c != null && org.stonescriptdb.gateway.tls.ClientTlsUpgrade.active(c.pipeline());
    }

    /** The backend serving this client now (in transaction pooling, only within a transaction or while it lingers), or null. */
    public org.stonescriptdb.gateway.pool.BackendConnection backend() {
        ClientFlow f = flow;
        return f == null ? null : f.currentBackend();
    }

    public String applicationName() {
        return startup.settings().getOrDefault("application_name", "");
    }

    int secretKey() {
        return secretKey;
    }

    Channel client() {
        return client;
    }

    SessionServices services() {
        return services;
    }

    ClientParameters parameters() {
        return parameters;
    }

    /** True while the client waits for a reply from the backend. */
    public boolean busy() {
        ClientFlow f = flow;
        return f != null && f.busy();
    }

    // ---- login ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        int[] key = services.cancels().register(this);
        processId = key[0];
        secretKey = key[1];
        services.sessions().add(this);
        login.start();
    }

    /** Logged in and greeted ({@link SessionLogin}): the flow of the pool mode takes the client's messages from here. */
    void loggedIn(BackendConnection backend) {
        LoginDeadline.passed(client);
        if (mode == PoolMode.SESSION) {
            flow = new SessionFlow(this, backend);
        } else {
            flow = new TransactionFlow(this);
            if (backend != null) services.pools().release(backend);
        }
        client.config().setAutoRead(true);
    }

    /** The client's connection has closed (or is closing). */
    boolean closed() {
        return closed;
    }

    /** Ends the session with one FATAL: whatever else goes wrong while it closes, the client is told only once. */
    void sendFatal(String code, String message) {
        login.abandonGreeting();
        if (!fatalSent.compareAndSet(false, true)) return;
        client.writeAndFlush(ServerMessages.fatal(client.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- client → flow ----

    @Override
    protected boolean passThrough(byte type, int length) {
        if (refusing) return false; // the session is ending: what the client sent after is dropped (onMessage)
        if (!FrontendMessageFormat.isKnownType(type)) {
            // As the server: FATAL at the type byte. Never forwarded, so the backend does not end with the client.
            refuse(FrontendMessageFormat.unknownTypeMessage(type));
            return false;
        }
        if (FrontendMessageFormat.exceedsServerLimit(type, length)) {
            // The server would close its connection here (it cannot trust the stream any more); so does the gateway, saying why.
            refuse("invalid message length " + length + " for message type '" + (char) type + "'");
            return false;
        }
        ClientFlow f = flow;
        return f != null && type != FrontendType.TERMINATE && f.passThrough(type);
    }

    @Override
    protected boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
        if (refusing || (type != FrontendType.PARSE && type != FrontendType.BIND && type != FrontendType.DESCRIBE
                && type != FrontendType.QUERY)) return false;
        ClientFlow f = flow;
        return f != null && f.passWholeThrough(type, in, at, total);
    }

    /**
     * A client's protocol error the server answers with FATAL: one line at FINE, not a stack trace (the client's
     * mistake). Nothing after it is read; what the client sent before it is answered first, as the server would, and
     * only then comes the FATAL — so the backend is not left with a request in flight (which would cost it).
     */
    private void refuse(String message) {
        if (refusing) return;
        refusing = true;
        LOG.fine(() -> "client " + client.remoteAddress() + " broke the protocol: " + message);
        client.config().setAutoRead(false);
        ClientFlow f = flow;
        // After this read is done: the messages before the bad one may still be on their way to the flow.
        if (f != null && f.busy()) client.eventLoop().execute(f::flushBackend);
        long deadline = System.nanoTime() + services.config().connectionTimeout().toNanos();
        client.eventLoop().execute(() -> fatalWhenAnswered(message, deadline));
    }

    /** Checks every few milliseconds (the event loop never waits) until nothing is in flight, or the deadline passes. */
    private void fatalWhenAnswered(String message, long deadline) {
        ClientFlow f = flow;
        if (!client.isActive() || f == null || !f.awaitingReplies() || System.nanoTime() - deadline > 0) {
            // Queued, not written at once: the last reply may have been written from the backend's event loop, and
            // its write is a task queued on ours, which must go out first.
            client.eventLoop().execute(() -> sendFatal(SqlState.PROTOCOL_VIOLATION, message));
            return;
        }
        client.eventLoop().schedule(() -> fatalWhenAnswered(message, deadline), 5, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void forward(ChannelHandlerContext ctx, ByteBuf run) {
        ClientFlow f = flow;
        if (f == null) run.release();
        else f.forward(run);
    }

    @Override
    protected void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
        ClientFlow f = flow;
        if (type == FrontendType.TERMINATE || f == null || refusing) {
            message.release();
            if (type == FrontendType.TERMINATE) ctx.close();
            return;
        }
        f.onMessage(type, message);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ClientFlow f = flow;
        if (f != null) f.readComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ClientFlow f = flow;
        if (f != null) f.clientWritabilityChanged(client.isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    protected void onMalformed(ChannelHandlerContext ctx, String reason) {
        refuse(reason);
    }

    @Override
    protected void onTooLong(ChannelHandlerContext ctx, byte type, int length, int limit) {
        sendFatal(SqlState.PROTOCOL_VIOLATION, "message of type '" + (char) type + "' is " + length + " bytes long, more than the gateway"
                + " accepts (MAX_MESSAGE_BYTES = " + limit + ")");
    }

    // ---- cancel and disconnect ----

    /** A cancel request with this session's key arrived: the flow forwards it to the backend serving us now. */
    void cancelRunningQuery(Runnable done) {
        client.eventLoop().execute(() -> {
            ClientFlow f = flow;
            if (f != null) f.cancel(done);
            else done.run();
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        login.clientClosed();
        services.cancels().unregister(processId, this);
        services.sessions().remove(this);
        ClientFlow f = flow;
        if (f != null) f.clientClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltIfFatal(cause);
        if (cause instanceof java.io.IOException) {
            // The client's side of the connection broke (a reset, say): theirs to know, one line here.
            LOG.fine(() -> "client " + client.remoteAddress() + " connection error: " + cause);
        } else {
            LOG.log(Level.WARNING, "unexpected failure serving client " + client.remoteAddress() + "; closing its connection", cause);
        }
        ctx.close();
    }

    /** Ends the session with FATAL 57P01, as a server shutting down would. */
    public void terminate(String message) {
        client.eventLoop().execute(() -> {
            if (client.isActive()) sendFatal(SqlState.ADMIN_SHUTDOWN, message);
        });
    }
}
