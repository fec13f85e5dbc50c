package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;

/**
 * Whoever currently receives a backend connection's output: a client session, or the gateway itself while
 * it resets the connection or runs a query of its own. Every buffer handed over is owned by the callee.
 */
public interface BackendOwner {

    /**
     * Whether a message of this type may be forwarded as raw bytes through {@link #onBackendData}. ParameterStatus
     * always comes whole through {@link #onBackendMessage}, and so does ReadyForQuery unless {@link #passReadyThrough}.
     */
    boolean passBackendThrough(byte type);

    /** Raw protocol bytes: whole messages, or pieces of a long one, in order. */
    void onBackendData(BackendConnection connection, ByteBuf data);

    /** One whole message (type and length included). */
    void onBackendMessage(BackendConnection connection, byte type, ByteBuf message);

    /**
     * Whether a ReadyForQuery may reach the client as raw bytes, at the end of a run through {@link #onBackendData}:
     * the owner has nothing to do at it but pass it on and take note. If so, {@link #readyPassedThrough} follows once
     * that run has been handed over. By default it comes whole through {@link #onBackendMessage}.
     */
    default boolean passReadyThrough(BackendConnection connection) {
        return false;
    }

    /**
     * The ReadyForQuery {@link #passReadyThrough} let through has been handed over, at the end of a run, and the
     * connection's transaction status is its: the owner takes note of it as it would of one read whole.
     */
    default void readyPassedThrough(BackendConnection connection) {
    }

    /** The end of one read from the backend: time to flush what was forwarded. */
    void onBackendReadComplete(BackendConnection connection);

    /** The backend connection closed (server gone, network error, or the gateway closed it). */
    void onBackendClosed(BackendConnection connection);
}
