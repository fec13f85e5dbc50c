package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.stonescriptdb.gateway.pool.BackendConnection;
import org.stonescriptdb.gateway.protocol.ClientMessages;

import java.util.List;
import java.util.function.Function;

/**
 * What a backend must run before it serves a client: the session reset when another client held it last (whatever
 * that client's SQL did to the session — the gateway does not rely on recognising it), then the client's own
 * settings and the closing of stale statements, all in one write.
 *
 * @param reset  run {@link ClientMessages#SESSION_RESET} first
 * @param discardAll the reset as one {@code DISCARD ALL} — about half the server's work of the statement-by-statement
 *               form — which a backend holding none of the gateway's prepared statements has nothing to lose by
 * @param sync   the client's settings, reckoned as the backend stands after the reset
 * @param close  gateway statements to close
 */
record BackendHandOver(boolean reset, boolean discardAll, ClientParameters.Sync sync, List<String> close) {

    /**
     * {@link ClientMessages#pipelinedDiscardAll}, encoded once: read-only, and never freed (releasing a duplicate of it,
     * as a channel does once it is written, does nothing), so any event loop may write duplicates of it at once.
     */
    private static final ByteBuf PIPELINED_DISCARD_ALL = pipelinedDiscardAllBytes();

    private static ByteBuf pipelinedDiscardAllBytes() {
        ByteBuf bytes = Unpooled.directBuffer(64);
        ClientMessages.pipelinedDiscardAll(bytes);
        return Unpooled.unreleasableBuffer(bytes.asReadOnly());
    }

    /**
     * Plans the hand-over (with {@code SESSION_RESET=off}, without the reset: only for clients that are all trusted to
     * leave nothing behind, as PgBouncer's transaction pooling assumes) of {@code backend} to {@code client}, and from now on counts the backend as that client's:
     * whatever it runs next may leave state only this client may see.
     */
    static BackendHandOver plan(BackendConnection backend, ClientSession client, Function<BackendConnection, ClientParameters.Sync> syncFor,
                                List<String> close) {
        Object previous = backend.stateOwner();
        boolean reset = previous != null && previous != client && client.services().config().sessionReset();
        if (reset) backend.assumeReset();
        backend.stateOwner(client);
        boolean discardAll = reset && backend.statements().size() == 0 && close.isEmpty();
        return new BackendHandOver(reset, discardAll, syncFor.apply(backend), close);
    }

    boolean isEmpty() {
        return !reset && sync.isEmpty() && close.isEmpty();
    }

    private boolean hasSync() {
        return !sync.isEmpty() || !close.isEmpty();
    }

    /** The ReadyForQuery messages the request is answered with. */
    int replies() {
        return (reset ? 1 : 0) + (hasSync() ? 1 : 0);
    }

    /**
     * Whether the pipelined reset is {@code DISCARD ALL} alone with no Sync of its own ({@link
     * ClientMessages#pipelinedDiscardAll}): nothing is to be set or closed after it. Its replies end at its
     * CommandComplete (or ErrorResponse), and no check follows.
     */
    boolean unsynced() {
        return discardAll && !hasSync();
    }

    /**
     * For a reset sent in front of the client's messages: {@link #unsynced} the reset alone, joining the client's batch;
     * else ({@link ClientMessages#pipelinedReset}) the reset and the client's settings in one batch, and the check that it
     * ran whole, in one buffer, answered with one ReadyForQuery. The client's messages follow.
     */
    ByteBuf encodePipelined(ByteBufAllocator alloc, String marker) {
        // The most common hand-over: the same bytes every time, written from one shared buffer.
        if (unsynced()) return PIPELINED_DISCARD_ALL.duplicate();
        ByteBuf out = alloc.buffer();
        ClientMessages.pipelinedReset(out, marker, discardAll, buf -> ClientMessages.appendSessionSync(buf, sync.set(), sync.reset(), close));
        ClientMessages.resetCheck(out, marker);
        return out;
    }

    ByteBuf encode(ByteBufAllocator alloc) {
        if (!reset) return sync.encode(alloc, close);
        // The cheaper form where it loses nothing, as when pipelined: one statement instead of seven.
        ByteBuf request = discardAll ? ClientMessages.query(alloc, "DISCARD ALL") : ClientMessages.sessionReset(alloc);
        return hasSync() ? append(request, sync.encode(alloc, close)) : request;
    }

    /**
     * The hand-over (nothing, if it is empty) and then {@code begin}, a BEGIN the gateway answered for the client, in
     * one request answered with {@link #replies()} + 1 ReadyForQuery messages.
     */
    ByteBuf encodeThenBegin(ByteBufAllocator alloc, String begin) {
        return append(isEmpty() ? alloc.buffer() : encode(alloc), ClientMessages.query(alloc, begin));
    }

    /** {@code request} with {@code tail}'s bytes after its own; {@code tail} is released. */
    private static ByteBuf append(ByteBuf request, ByteBuf tail) {
        try {
            return request.writeBytes(tail);
        } finally {
            tail.release();
        }
    }
}
