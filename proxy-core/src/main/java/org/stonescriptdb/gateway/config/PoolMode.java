package org.stonescriptdb.gateway.config;

/** How long a client keeps the backend connection it was given. */
public enum PoolMode {
    /** The client keeps one backend connection from start-up until it disconnects. */
    SESSION,
    /** The client holds a backend connection only while a transaction (or a Sync batch) is open. */
    TRANSACTION
}
