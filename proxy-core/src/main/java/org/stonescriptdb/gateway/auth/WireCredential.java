package org.stonescriptdb.gateway.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * One password a platform's wire clients may log in with, as its verifier.
 *
 * @param validUntil when a rotation retired it, the end of its grace period; null while it is the current one
 */
public record WireCredential(ScramVerifier verifier, Instant validUntil) {

    public WireCredential {
        Objects.requireNonNull(verifier, "verifier");
    }

    public boolean validAt(Instant now) {
        return validUntil == null || now.isBefore(validUntil);
    }
}
