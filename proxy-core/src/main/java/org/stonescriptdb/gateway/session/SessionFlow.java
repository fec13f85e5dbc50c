package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.pool.WritabilityListener;
import org.stonescriptdb.gateway.protocol.FrontendMessages;
import org.stonescriptdb.gateway.protocol.BackendType;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.SqlState;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Session pooling: the client keeps one backend until it disconnects; bytes pass both ways untouched. When the
 * client leaves, the backend is reset ({@code ROLLBACK} if needed, {@code DISCARD ALL}) and returned, or closed
 * if it may still be running something.
 */
final class SessionFlow implements ClientFlow, BackendOwner, WritabilityListener {

    private final ClientSession session;
    private final Channel client;
    private volatile BackendConnection backend;
    /**
     * Sync points (Query, Sync, FunctionCall) sent and not yet answered by ReadyForQuery: counted up on the
     * client's event loop and down on the backend's, which may differ — hence atomic.
     */
    private final AtomicInteger pendingSyncs = new AtomicInteger();
    /** Messages sent since the last sync point (e.g. Parse/Describe/Flush without Sync). */
    private volatile boolean unsynced;

    SessionFlow(ClientSession session, BackendConnection backend) {
        this.session = session;
        this.client = session.client();
        this.backend = backend;
        backend.owner(this);
    }

    @Override
    public boolean busy() {
        return pendingSyncs.get() > 0 || unsynced;
    }

    // ---- client → backend ----

    @Override
    public boolean passThrough(byte type) {
        switch (type) {
            case FrontendType.QUERY, FrontendType.SYNC, FrontendType.FUNCTION_CALL -> {
                pendingSyncs.incrementAndGet();
                unsynced = false;
            }
            case FrontendType.COPY_DATA, FrontendType.COPY_DONE, FrontendType.COPY_FAIL -> { }
            default -> unsynced = true;
        }
        return true;
    }

    @Override
    public void forward(ByteBuf run) {
        BackendConnection b = backend;
        if (b == null) {
            run.release();
            return;
        }
        b.channel().write(run, b.channel().voidPromise());
    }

    @Override
    public void onMessage(byte type, ByteBuf message) {
        // Everything but Terminate passes through; nothing comes here.
        message.release();
    }

    @Override
    public void readComplete() {
        BackendConnection b = backend;
        if (b == null) return;
        b.channel().flush();
        // Back-pressure: stop reading the client while the backend cannot take more.
        BackPressure.pauseWhileFull(client, b.channel());
    }

    @Override
    public boolean awaitingReplies() {
        return pendingSyncs.get() > 0;
    }

    @Override
    public void flushBackend() {
        BackendConnection b = backend;
        if (b != null) b.channel().writeAndFlush(FrontendMessages.flush(b.channel().alloc()), b.channel().voidPromise());
    }

    @Override
    public void backendWritabilityChanged(BackendConnection connection) {
        if (connection.channel().isWritable()) client.config().setAutoRead(true);
    }

    @Override
    public void clientWritabilityChanged(boolean writable) {
        BackendConnection b = backend;
        if (b != null && writable) b.channel().config().setAutoRead(true);
    }

    // ---- backend → client ----

    @Override
    public boolean passBackendThrough(byte type) {
        return true;
    }

    @Override
    public void onBackendData(BackendConnection connection, ByteBuf data) {
        client.write(data, client.voidPromise());
    }

    @Override
    public void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        if (type == BackendType.PARAMETER_STATUS) session.parameters().parameterStatus(message);
        client.write(message, client.voidPromise());
        if (type == BackendType.READY_FOR_QUERY) answered();
    }

    /** Every ReadyForQuery goes to the client in the run before it: there is nothing to do at one but count it. */
    @Override
    public boolean passReadyThrough(BackendConnection connection) {
        return connection == backend;
    }

    @Override
    public void readyPassedThrough(BackendConnection connection) {
        answered();
    }

    /** A Query, Sync or FunctionCall was answered. */
    private void answered() {
        pendingSyncs.getAndUpdate(n -> n > 0 ? n - 1 : 0);
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
        if (client.isActive()) BackPressure.pauseWhileFull(connection.channel(), client);
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (backend != connection) return;
        backend = null;
        if (client.isActive()) session.sendFatal(SqlState.CONNECTION_FAILURE, "the connection to the database server was lost");
    }

    // ---- cancel and disconnect ----

    @Override
    public void cancel(Runnable done) {
        BackendConnection b = backend;
        if (b != null && busy() && b.owner() == this) session.services().connector().cancel(client.eventLoop(), b, done);
        else done.run();
    }

    @Override
    public void clientClosed() {
        BackendConnection b = backend;
        backend = null;
        if (b == null) return;
        // A batch without its Sync: the server holds its implicit transaction open, which only closing it ends unapplied.
        if (!b.isActive() || unsynced || b.owner() != this) {
            if (pendingSyncs.get() > 0 && b.owner() == this) session.services().pools().discardRunning(b); // its query stops now
            else session.services().pools().discard(b);
            return;
        }
        if (pendingSyncs.get() > 0) {
            BackendDrain.cancelThenRelease(session.services(), b);
            return;
        }
        SessionReset.resetAndRelease(session.services(), b, true);
    }

    @Override
    public BackendConnection currentBackend() {
        return backend;
    }
}
