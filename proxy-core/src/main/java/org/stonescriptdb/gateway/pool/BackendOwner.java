package org.stonescriptdb.gateway.pool;

import io.netty.buffer.ByteBuf;

/**
 * Whoever currently receives a backend connection's output: a client session, or the gateway itself while
 * it resets the connection or runs a query of its own. Every buffer handed over is owned by the callee.
 */
public interface BackendOwner {

    /**
     * Whether a message of this type may be forwarded as raw bytes through {@link #onBackendData}. ReadyForQuery
     * and ParameterStatus always come whole through {@link #onBackendMessage}.
     */
    boolean passBackendThrough(byte type);

    /** Raw protocol bytes: whole messages, or pieces of a long one, in order. */
    void onBackendData(BackendConnection connection, ByteBuf data);

    /** One whole message (type and length included). */
    void onBackendMessage(BackendConnection connection, byte type, ByteBuf message);

    /** The end of one read from the backend: time to flush what was forwarded. */
    void onBackendReadComplete(BackendConnection connection);

    /** The backend connection closed (server gone, network error, or the gateway closed it). */
    void onBackendClosed(BackendConnection connection);
}
