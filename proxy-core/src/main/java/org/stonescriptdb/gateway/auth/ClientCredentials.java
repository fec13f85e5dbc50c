package org.stonescriptdb.gateway.auth;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The wire credentials of each platform ({@code CLIENT_AUTH=password}): the verifiers a client's SCRAM proof is
 * checked against when it opens one of the platform's databases. Kept in the control database; the proxy only reads.
 */
public interface ClientCredentials {

    /**
     * The platform's credentials, an empty list when it has none. May read a store, but never on the caller's thread
     * (an event loop): the future completes elsewhere or at once.
     */
    CompletableFuture<List<WireCredential>> lookup(String platform);

    /** No platform has credentials: with {@code CLIENT_AUTH=password} every client is refused. */
    static ClientCredentials none() {
        return platform -> CompletableFuture.completedFuture(List.of());
    }

    /** Fixed credentials (tests, the library used on its own). */
    static ClientCredentials of(Map<String, List<WireCredential>> byPlatform) {
        Map<String, List<WireCredential>> copy = Map.copyOf(byPlatform);
        return platform -> CompletableFuture.completedFuture(copy.getOrDefault(platform, List.of()));
    }
}
