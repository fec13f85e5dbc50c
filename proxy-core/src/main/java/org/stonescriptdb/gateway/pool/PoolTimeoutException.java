package org.stonescriptdb.gateway.pool;

/** No backend connection became free within QUERY_WAIT_TIMEOUT_SECS (SQLSTATE 53300). */
public final class PoolTimeoutException extends BackendException {
    public PoolTimeoutException(String message) {
        super(null, message);
    }
}
