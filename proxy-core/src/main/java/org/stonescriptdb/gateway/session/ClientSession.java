package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import org.stonescriptdb.gateway.codec.MessageStreamHandler;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.pool.WritabilityListener;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.ErrorFields;
import org.stonescriptdb.gateway.protocol.MessageType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection after start-up: it owns a backend connection for the whole session (session pooling),
 * passes client messages to it and its replies back without copying, and on disconnect gives the backend
 * back clean ({@code DISCARD ALL}) or closes it.
 *
 * <p>Runs on the client's event loop; the backend may live on another loop, so every backend callback hops
 * to this loop only where state is shared (it is not: backend callbacks only write to the client channel,
 * which Netty makes safe from any thread).
 */
public final class ClientSession extends MessageStreamHandler implements BackendOwner, WritabilityListener {

    private static final Logger LOG = Logger.getLogger(ClientSession.class.getName());
    /** PostgreSQL's own limit for a client message (PQ_LARGE_MESSAGE_LIMIT is 1 GB - 1). */
    private static final int MAX_MESSAGE = 0x3FFF_FFFF;

    private enum State { STARTING, READY, CLOSED }

    private final SessionServices services;
    private final StartupParameters startup;
    private Channel client;
    private int processId;
    private int secretKey;
    private State state = State.STARTING;
    private Future<BackendConnection> acquiring;
    private volatile BackendConnection backend;
    /** Sync points (Query, Sync, FunctionCall) sent and not yet answered by ReadyForQuery. */
    private volatile int pendingSyncs;
    /** Messages sent since the last sync point (e.g. Parse/Describe/Flush without Sync). */
    private volatile boolean unsynced;

    public ClientSession(SessionServices services, StartupParameters startup) {
        super(MAX_MESSAGE);
        this.services = services;
        this.startup = startup;
    }

    public String database() {
        return startup.database();
    }

    int secretKey() {
        return secretKey;
    }

    /** True while the client waits for a reply from the backend. */
    public boolean busy() {
        return pendingSyncs > 0 || unsynced;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
        int[] key = services.cancels().register(this);
        processId = key[0];
        secretKey = key[1];
        services.sessions().add(this);
        acquiring = services.pools().acquire(startup.database(), client.eventLoop());
        acquiring.addListener(f -> {
            if (f.isCancelled()) return;
            if (f.isSuccess()) attach((BackendConnection) f.getNow());
            else failStartup(f.cause());
        });
    }

    private void attach(BackendConnection connection) {
        if (state == State.CLOSED) {
            services.pools().release(connection);
            return;
        }
        backend = connection;
        Map<String, String> changes = new LinkedHashMap<>();
        startup.settings().forEach((name, value) -> {
            if (!value.equals(connection.parameters().get(name))) changes.put(name, value);
        });
        if (changes.isEmpty()) {
            greet();
            return;
        }
        GatewayQuery.run(connection, ClientMessages.setConfig(client.alloc(), changes), 1, client.eventLoop()).addListener(f -> {
            if (!f.isSuccess()) {
                failStartup(f.cause());
                return;
            }
            GatewayQuery.Result result = (GatewayQuery.Result) f.getNow();
            if (result.failed()) {
                // The server would have refused such a startup packet itself: same answer, same SQLSTATE.
                ErrorFields e = result.error();
                sendFatal(e.code(), e.message());
                services.pools().release(connection);
                backend = null;
                return;
            }
            greet();
        });
    }

    /** The greeting PostgreSQL gives after a successful login, with the backend's real parameter values. */
    private void greet() {
        if (state == State.CLOSED) return;
        BackendConnection connection = backend;
        connection.owner(this);
        if (startup.needsProtocolNegotiation()) {
            client.write(ServerMessages.negotiateProtocolVersion(client.alloc(), ClientMessages.PROTOCOL_3_0, startup.unknownProtocolOptions()));
        }
        client.write(ServerMessages.authenticationOk(client.alloc()));
        client.write(ServerMessages.parameterStatus(client.alloc(), connection.parameters()));
        client.write(ServerMessages.backendKeyData(client.alloc(), processId, secretKey));
        client.writeAndFlush(ServerMessages.readyForQuery(client.alloc(), connection.transactionStatus()));
        state = State.READY;
        client.config().setAutoRead(true);
    }

    private void failStartup(Throwable cause) {
        if (state == State.CLOSED) return;
        if (cause instanceof PoolTimeoutException) {
            sendFatal(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
        } else if (cause instanceof BackendException be && be.serverError() != null) {
            sendFatal(be.serverError().code(), be.serverError().message());
        } else {
            LOG.log(Level.FINE, "backend connection failed", cause);
            sendFatal(SqlState.CONNECTION_FAILURE, "the gateway could not reach the database server: " + cause.getMessage());
        }
    }

    private void sendFatal(String code, String message) {
        client.writeAndFlush(ServerMessages.fatal(client.alloc(), code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- client → backend ----

    @Override
    protected boolean passThrough(byte type, int length) {
        switch (type) {
            case MessageType.TERMINATE:
                return false;
            case MessageType.QUERY, MessageType.SYNC, MessageType.FUNCTION_CALL:
                pendingSyncs++;
                unsynced = false;
                return true;
            case MessageType.COPY_DATA, MessageType.COPY_DONE, MessageType.COPY_FAIL:
                return true;
            default:
                unsynced = true;
                return true;
        }
    }

    @Override
    protected void forward(ChannelHandlerContext ctx, ByteBuf run) {
        BackendConnection b = backend;
        if (state != State.READY || b == null) {
            run.release();
            return;
        }
        b.channel().write(run, b.channel().voidPromise());
    }

    @Override
    protected void onMessage(ChannelHandlerContext ctx, byte type, ByteBuf message) {
        message.release();
        if (type == MessageType.TERMINATE) ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        BackendConnection b = backend;
        if (b == null) return;
        b.channel().flush();
        // Back-pressure: stop reading the client while the backend cannot take more.
        if (!b.channel().isWritable()) client.config().setAutoRead(false);
    }

    @Override
    public void backendWritabilityChanged(BackendConnection connection) {
        if (connection.channel().isWritable() && state == State.READY) client.config().setAutoRead(true);
    }

    @Override
    protected void onMalformed(ChannelHandlerContext ctx, String reason) {
        sendFatal(SqlState.PROTOCOL_VIOLATION, reason);
    }

    // ---- backend → client ----

    @Override
    public boolean passThrough(byte type) {
        return true;
    }

    @Override
    public void onBackendData(BackendConnection connection, ByteBuf data) {
        client.write(data, client.voidPromise());
    }

    @Override
    public void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        client.write(message, client.voidPromise());
        if (type == MessageType.READY_FOR_QUERY && pendingSyncs > 0) pendingSyncs--;
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
        if (!client.isWritable()) connection.channel().config().setAutoRead(false);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        BackendConnection b = backend;
        if (b != null && client.isWritable()) b.channel().config().setAutoRead(true);
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (backend != connection) return;
        backend = null;
        if (client.isActive()) {
            sendFatal(SqlState.CONNECTION_FAILURE, "the connection to the database server was lost");
        }
    }

    // ---- cancel and disconnect ----

    /** Forwards a cancel to the backend serving this client now, if it is running something for it. */
    void cancelRunningQuery() {
        client.eventLoop().execute(() -> {
            BackendConnection b = backend;
            if (b != null && busy() && b.owner() == this) {
                services.connector().cancel(client.eventLoop(), b.processId(), b.secretKey());
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state = State.CLOSED;
        services.cancels().unregister(processId, this);
        services.sessions().remove(this);
        if (acquiring != null && !acquiring.isDone()) acquiring.cancel(false);
        BackendConnection b = backend;
        backend = null;
        if (b != null) giveBack(b);
        super.channelInactive(ctx);
    }

    /** Returns the backend clean, or closes it when it may still be running or holding something of ours. */
    private void giveBack(BackendConnection b) {
        if (!b.isActive() || busy() || b.owner() != this && b.owner() != null) {
            services.pools().discard(b);
            return;
        }
        boolean inTransaction = b.transactionStatus() != 'I';
        ByteBuf request = resetRequest(inTransaction);
        GatewayQuery.run(b, request, inTransaction ? 2 : 1, b.eventLoop()).addListener(f -> {
            if (f.isSuccess() && !((GatewayQuery.Result) f.getNow()).failed() && b.transactionStatus() == 'I') {
                services.pools().release(b);
            } else {
                services.pools().discard(b);
            }
        });
    }

    private ByteBuf resetRequest(boolean rollbackFirst) {
        ByteBuf out = client.alloc().buffer(64);
        if (rollbackFirst) append(out, ClientMessages.query(client.alloc(), "ROLLBACK"));
        append(out, ClientMessages.query(client.alloc(), "DISCARD ALL"));
        return out;
    }

    private static void append(ByteBuf out, ByteBuf part) {
        try {
            out.writeBytes(part);
        } finally {
            part.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, "client connection error", cause);
        ctx.close();
    }

    /** Ends the session with FATAL 57P01, as a server shutting down would. */
    public void terminate(String message) {
        client.eventLoop().execute(() -> {
            if (client.isActive()) sendFatal(SqlState.ADMIN_SHUTDOWN, message);
        });
    }
}
