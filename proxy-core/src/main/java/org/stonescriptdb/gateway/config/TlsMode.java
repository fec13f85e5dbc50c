package org.stonescriptdb.gateway.config;

/** Whether wire clients may or must use TLS ({@code TLS_MODE}). */
public enum TlsMode {
    /** SSLRequest is answered 'N': plaintext only (and the only mode without a certificate). */
    OFF,
    /** SSLRequest is answered 'S' and TLS begins; a plaintext start-up is admitted too. */
    ALLOW,
    /** As {@link #ALLOW}, but a plaintext start-up is refused with FATAL 28000. */
    REQUIRE
}
