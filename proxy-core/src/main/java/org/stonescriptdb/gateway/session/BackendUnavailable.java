package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.pool.BackendException;
import org.stonescriptdb.gateway.pool.PoolTimeoutException;
import org.stonescriptdb.gateway.protocol.SqlState;

/**
 * What a client hears when no backend could be had for its messages: the server's own error when the server refused
 * (a login or the client's settings), 53300 when the pool's wait ran out, else 08006 with the cause.
 */
record BackendUnavailable(String code, String message) {

    static BackendUnavailable of(Throwable cause) {
        if (cause instanceof PoolTimeoutException) return new BackendUnavailable(SqlState.TOO_MANY_CONNECTIONS, cause.getMessage());
        if (cause instanceof BackendException be && be.serverError() != null) {
            return new BackendUnavailable(be.serverError().code(), be.serverError().message());
        }
        return new BackendUnavailable(SqlState.CONNECTION_FAILURE, "the gateway could not get a backend connection: " + cause.getMessage());
    }
}
