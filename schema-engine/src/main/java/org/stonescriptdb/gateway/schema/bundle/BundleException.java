package org.stonescriptdb.gateway.schema.bundle;

/**
 * The bundle was refused before anything was deployed: a hostile or malformed archive, or SQL the engine
 * cannot plan. The message names the entry and says what to change.
 */
public final class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
