package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.pool.GatewayQuery;
import org.stonescriptdb.gateway.protocol.ClientMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

/** Makes a backend fit for another client: roll back an open transaction, drop session state, return it. */
final class SessionReset {

    private SessionReset() {
    }

    /**
     * @param discardAll also run {@code DISCARD ALL} (the client may have left session state behind)
     */
    static void resetAndRelease(SessionServices services, BackendConnection b, boolean discardAll) {
        boolean inTransaction = b.transactionStatus() != TransactionStatus.IDLE;
        if (!inTransaction && !discardAll) {
            services.pools().release(b);
            return;
        }
        ByteBuf request = b.channel().alloc().buffer(64);
        int queries = 0;
        if (inTransaction) {
            append(request, ClientMessages.query(b.channel().alloc(), "ROLLBACK"));
            queries++;
        }
        if (discardAll) {
            append(request, ClientMessages.query(b.channel().alloc(), "DISCARD ALL"));
            queries++;
        }
        GatewayQuery.run(b, request, queries, b.eventLoop(), services.config().connectionTimeout()).addListener(f -> {
            if (f.isSuccess() && !((GatewayQuery.Result) f.getNow()).failed() && b.transactionStatus() == TransactionStatus.IDLE) {
                if (discardAll) {
                    b.forgetSessionState();
                    b.stateOwner(null); // DISCARD ALL did what the hand-over reset would do
                }
                services.pools().release(b);
            } else {
                services.pools().discard(b);
            }
        });
    }

    private static void append(ByteBuf out, ByteBuf part) {
        try {
            out.writeBytes(part);
        } finally {
            part.release();
        }
    }
}
