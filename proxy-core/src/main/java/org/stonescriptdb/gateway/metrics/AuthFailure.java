package org.stonescriptdb.gateway.metrics;

import java.util.Locale;

/** Why a wire client was refused before it logged in: the {@code reason} of {@code db_gateway_auth_failures_total}. */
public enum AuthFailure {
    /** Its address is not in {@code ALLOWED_NETWORKS}. */
    ADDRESS,
    /** Its address is not in the platform's {@code ALLOWED_NETWORKS_<PLATFORM>}. */
    PLATFORM_NETWORK,
    /** A plaintext start-up with {@code TLS_MODE=require}. */
    TLS_REQUIRED,
    /** A SCRAM proof that matched none of the platform's passwords. */
    PASSWORD,
    /** The user name is not the database's platform (or the database is no platform's). */
    USER,
    /** The platform has no wire credential ({@code CLIENT_AUTH=password}). */
    NO_CREDENTIAL,
    /** A channel binding that did not match, or a client told that the server could not bind (a downgrade). */
    CHANNEL_BINDING,
    /** A malformed or out-of-order authentication message. */
    PROTOCOL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
