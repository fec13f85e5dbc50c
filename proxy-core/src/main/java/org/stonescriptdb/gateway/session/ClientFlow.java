package org.stonescriptdb.gateway.session;

import io.netty.buffer.ByteBuf;
import org.stonescriptdb.gateway.pool.BackendConnection;

/**
 * How a client's messages reach a backend once the session has started: {@link SessionFlow} keeps one
 * backend for the whole session; {@link TransactionFlow} borrows one per transaction.
 */
interface ClientFlow {

    /** Header-time decision for a client message: forward it as raw bytes (true) or hand it over whole. */
    boolean passThrough(byte type);

    /**
     * A second, whole-message look at a Parse, Bind, Describe or Query that {@link #passThrough} did not let through:
     * true if it needs no rewriting after all and was accounted for, so that it is forwarded as raw bytes. The message
     * is the {@code total} bytes of {@code in} at {@code at}, type included; {@code in} is only read here, never kept
     * or released.
     */
    default boolean passWholeThrough(byte type, ByteBuf in, int at, int total) {
        return false;
    }

    /** The backend serving the client now, or null (for the admin console's view; may be a moment old). */
    BackendConnection currentBackend();

    /** Raw client bytes, whole messages or pieces, that {@link #passThrough} let through. */
    void forward(ByteBuf run);

    /** One whole client message (not Terminate, which the session handles). */
    void onMessage(byte type, ByteBuf message);

    /** The end of one read from the client. */
    void readComplete();

    /** The client's writability changed (resume or pause reading the backend). */
    void clientWritabilityChanged(boolean writable);

    /**
     * A cancel request for this client arrived: forward it to the backend serving the client now, if the client
     * is waiting for it. {@code done} runs once the server has taken it, or at once if nothing was forwarded.
     */
    void cancel(Runnable done);

    /**
     * The session will end once what is in flight is answered (the client broke the protocol after it): have the
     * backend send what it holds back for those messages (a Flush), as the server flushes before its FATAL.
     */
    void flushBackend();

    /**
     * True while replies to messages already sent are still to come, once the backend has flushed (a batch without
     * Sync counts only where the flow knows each reply it waits for).
     */
    boolean awaitingReplies();

    /** The client is gone: give the backend back clean, or close it. */
    void clientClosed();

    /** True while the client waits for the backend (a query or Sync batch is in flight). */
    boolean busy();
}
