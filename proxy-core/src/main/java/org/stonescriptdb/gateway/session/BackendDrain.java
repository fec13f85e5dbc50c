package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.BackendOwner;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.BackendType;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A backend whose client left with replies still to come (it disconnected mid-request, or broke the protocol and was
 * ended): the rest of its replies are read and dropped, then it is reset and goes back to the pool instead of being
 * closed. How many replies are left is not always known — the server skips Queries after an error in an extended
 * batch, for one — so the end is found by a query of the gateway's own behind them, whose row carries a random mark.
 * Only for a client whose every message was followed by a Sync or Query: the server waits for more of an unfinished
 * batch, and its implicit transaction must not be committed.
 *
 * <p>What the client left running is cancelled first ({@link #cancelThenRelease}): PostgreSQL notices a closed client
 * only when it next writes, so a long query would otherwise run on, holding its locks, for nobody. The mark is sent
 * only once the server has taken the cancel, so the cancel either stops the client's query or finds the backend idle
 * (where PostgreSQL ignores it) — it never stops the mark. A backend still busy after {@link #PATIENCE} is closed, so a
 * client that leaves a long query behind does not keep its pool slot.
 */
final class BackendDrain implements BackendOwner {

    private static final Logger LOG = Logger.getLogger(BackendDrain.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Duration PATIENCE = Duration.ofSeconds(1);

    private final SessionServices services;
    private final byte[] mark;
    private volatile ScheduledFuture<?> deadline;
    private boolean markSeen;
    private boolean done;

    private BackendDrain(SessionServices services) {
        this.services = services;
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        this.mark = ("_ssg_drained_" + HexFormat.of().formatHex(b)).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Takes the backend over, cancels what the client left running, drops what is still to come for it, then resets
     * and releases the backend.
     */
    static void cancelThenRelease(SessionServices services, BackendConnection b) {
        BackendDrain drain = new BackendDrain(services);
        long millis = Math.min(PATIENCE.toMillis(), services.config().connectionTimeout().toMillis());
        drain.deadline = b.eventLoop().schedule(() -> drain.overdue(b), millis, TimeUnit.MILLISECONDS);
        b.owner(drain);
        b.channel().config().setAutoRead(true); // the client's back-pressure may have paused it
        services.connector().cancel(b.eventLoop(), b, () -> {
            if (b.isActive()) b.send(ClientMessages.query(b.channel().alloc(), "SELECT '" + new String(drain.mark, StandardCharsets.US_ASCII) + "'"));
        });
    }

    @Override
    public boolean passBackendThrough(byte type) {
        return false; // every message whole, to find the mark
    }

    @Override
    public void onBackendData(BackendConnection connection, ByteBuf data) {
        data.release();
    }

    @Override
    public synchronized void onBackendMessage(BackendConnection connection, byte type, ByteBuf message) {
        try {
            if (type == BackendType.DATA_ROW && ByteBufUtil.indexOf(Unpooled.wrappedBuffer(mark), message) >= 0) {
                markSeen = true;
            } else if (type == BackendType.READY_FOR_QUERY && markSeen && !done) {
                done = true;
                deadline.cancel(false);
                connection.owner(null);
                // What the client left behind is unknown (a hand-over or a Parse of the gateway's may have been skipped):
                // everything is reset, and the gateway assumes nothing prepared there any more.
                SessionReset.resetAndRelease(services, connection, true);
            }
        } finally {
            message.release();
        }
    }

    private synchronized void overdue(BackendConnection b) {
        if (done) return;
        done = true;
        LOG.fine(() -> "a backend left busy by a client that went away was still busy after " + PATIENCE.toMillis() + " ms; closing " + b);
        services.pools().discard(b);
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
    }

    @Override
    public synchronized void onBackendClosed(BackendConnection connection) {
        if (done) return;
        done = true;
        deadline.cancel(false);
        services.pools().discard(connection);
    }
}
