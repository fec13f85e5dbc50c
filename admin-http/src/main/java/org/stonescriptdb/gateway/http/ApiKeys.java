package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.config.ClientAuth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * Seed 000 §5: {@code API_KEY_ADMIN} guards the admin endpoints, {@code API_KEY_{PLATFORM}} guards /call and
 * /query of that platform. A platform without a key of its own falls back to the admin key, so setting
 * {@code API_KEY_ADMIN} never leaves a platform's databases open; only with neither key set does the source
 * address alone decide. Keys are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so neither
 * content nor length leaks through timing, and they never appear in a message or log line.
 */
public final class ApiKeys {

    public static final String HEADER = "X-API-Key";
    private static final String ADMIN = "admin";

    /** Replaced whole by a reload; read once per check. */
    private volatile Map<String, byte[]> digests;
    private final ClientAuth networks;

    /** @param keys lower-cased suffix of {@code API_KEY_*} → key, as {@code GatewayConfig.apiKeys()} */
    public ApiKeys(Map<String, String> keys) {
        this(keys, ClientAuth.addressOnly());
    }

    /** @param networks whose {@code ALLOWED_NETWORKS_<PLATFORM>} also bound the platform's /call and /query */
    public ApiKeys(Map<String, String> keys, ClientAuth networks) {
        this.digests = keys.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> digest(e.getValue())));
        this.networks = networks;
    }

    /** Serves these keys from now on (a reload of {@code API_KEY_*}). */
    public void replace(Map<String, String> keys) {
        this.digests = keys.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> digest(e.getValue())));
    }

    public void requireAdmin(Request request) {
        require(digests, request, ADMIN, "API_KEY_ADMIN", null, "");
    }

    /**
     * For /call and /query: the platform's own key when one is set (and then only that key: the admin key is refused
     * there, so a platform's key holder and the operator stay apart), else the admin key when that is set.
     */
    public void requirePlatform(Request request, String platform) {
        var source = networks.platformNetworks().containsKey(platform) ? request.exchange().getSourceAddress() : null;
        if (source != null && !networks.admits(platform, source.getAddress())) {
            throw new ApiException(403, "forbidden", "no gateway access for host \"" + source.getAddress().getHostAddress() + "\" to platform "
                    + platform + " (ALLOWED_NETWORKS_" + platform.toUpperCase(java.util.Locale.ROOT) + ")", platform, null, Map.of());
        }
        String variable = "API_KEY_" + platform.toUpperCase(java.util.Locale.ROOT);
        // One set of keys for the whole check: a reload between its two looks must not leave it with neither.
        Map<String, byte[]> keys = digests;
        if (keys.containsKey(platform)) {
            require(keys, request, platform, variable, platform, "");
        } else {
            require(keys, request, ADMIN, "API_KEY_ADMIN", platform, " (platform " + platform + " has no " + variable + " of its own)");
        }
    }

    private static void require(Map<String, byte[]> keys, Request request, String name, String variable, String platform, String why) {
        byte[] expected = keys.get(name);
        if (expected == null) return;
        String presented = request.header(HEADER);
        if (presented == null || presented.isEmpty()) {
            throw new ApiException(401, "unauthorized", "this endpoint needs the " + variable + " key in the " + HEADER + " header" + why,
                    platform, null, Map.of());
        }
        if (!MessageDigest.isEqual(expected, digest(presented))) {
            throw new ApiException(403, "forbidden", "the " + HEADER + " header does not carry the " + variable + " key" + why,
                    platform, null, Map.of());
        }
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
