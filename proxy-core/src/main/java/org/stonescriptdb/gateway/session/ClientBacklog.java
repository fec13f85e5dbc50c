package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import org.stonescriptdb.gateway.protocol.FrontendType;
import org.stonescriptdb.gateway.protocol.ServerMessages;
import org.stonescriptdb.gateway.protocol.TransactionStatus;

import java.util.ArrayDeque;

/**
 * Client messages that arrived while no backend was ready for them, in order, and their size: above
 * {@link #PAUSE_READING_ABOVE_BYTES} the client's socket should no longer be read until a backend takes them. Owns the
 * buffers it holds until {@link #take()} hands one on. Not thread-safe: the flow's lock guards it.
 */
final class ClientBacklog {

    /**
     * Most clients send one request and wait, so reading is never paused for them: pausing and resuming costs two
     * epoll_ctl calls per transaction.
     */
    static final int PAUSE_READING_ABOVE_BYTES = 256 * 1024;

    private final ArrayDeque<ByteBuf> messages = new ArrayDeque<>();
    private long bytes;

    /** @return whether the backlog is now over its limit (the caller stops reading the client) */
    boolean add(ByteBuf message) {
        messages.addLast(message);
        bytes += message.readableBytes();
        return bytes > PAUSE_READING_ABOVE_BYTES;
    }

    /** The oldest message, now the caller's; null when empty. */
    ByteBuf take() {
        ByteBuf next = messages.pollFirst();
        if (next != null) bytes -= next.readableBytes();
        return next;
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    long bytes() {
        return bytes;
    }

    /**
     * Answers what waits as the server answers a failed batch: one ErrorResponse (not FATAL: the session goes on), then
     * a ReadyForQuery for each Sync, Query or FunctionCall among the messages, which are dropped. Not flushed.
     *
     * @param status what those ReadyForQuery say: idle, or failed inside a transaction the client began ({@link LazyBegin})
     */
    void answerAllWithError(Channel client, String code, String message, TransactionStatus status) {
        client.write(ServerMessages.error(client.alloc(), "ERROR", code, message), client.voidPromise());
        ByteBuf m;
        while ((m = take()) != null) {
            byte type = m.getByte(m.readerIndex());
            m.release();
            if (type == FrontendType.SYNC || type == FrontendType.QUERY || type == FrontendType.FUNCTION_CALL) {
                client.write(ServerMessages.readyForQuery(client.alloc(), status), client.voidPromise());
            }
        }
    }

    /** Frees every message held (the client left). */
    void releaseAll() {
        ByteBuf m;
        while ((m = messages.pollFirst()) != null) m.release();
        bytes = 0;
    }
}
