package org.stonescriptdb.gateway.pool;

import org.stonescriptdb.gateway.protocol.ErrorFields;

/**
 * A backend connection could not be had or used. When the server itself said why, {@link #serverError()} holds
 * its ErrorResponse so the client can see the real SQLSTATE.
 */
public class BackendException extends RuntimeException {

    private final ErrorFields serverError;

    public BackendException(ErrorFields serverError, String message) {
        super(message, null, false, false);
        this.serverError = serverError;
    }

    public ErrorFields serverError() {
        return serverError;
    }
}
