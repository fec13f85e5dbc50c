package org.stonescriptdb.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A platform database name: {@code {platform}_main} or {@code {platform}_{tenantId}}. Platform names have
 * no underscore, so the first underscore splits the two parts.
 *
 * @param tenantId {@code null} for the main database
 */
public record DatabaseName(String platform, String tenantId) {

    public static final Pattern PLATFORM = Pattern.compile("[a-z][a-z0-9]{1,30}");
    public static final Pattern TENANT_ID = Pattern.compile("[a-z0-9_]{1,30}");
    /** PostgreSQL's NAMEDATALEN - 1. */
    public static final int MAX_BYTES = 63;
    private static final String MAIN = "main";
    /**
     * The gateway's own: its control database is {@code stonescriptdb_gateway}, which must never be reachable as a
     * tenant through the proxy.
     */
    public static final String RESERVED_PLATFORM = "stonescriptdb";

    public DatabaseName {
        if (!PLATFORM.matcher(platform).matches()) throw new IllegalArgumentException("bad platform name: " + platform);
        if (platform.equals(RESERVED_PLATFORM)) throw new IllegalArgumentException("platform name reserved for the gateway: " + platform);
        if (tenantId != null && (!TENANT_ID.matcher(tenantId).matches() || tenantId.equals(MAIN))) {
            throw new IllegalArgumentException("bad tenant id: " + tenantId);
        }
        if (text(platform, tenantId).getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException("database name longer than " + MAX_BYTES + " bytes");
        }
    }

    /** Parses a database name; empty when it is not a platform database (e.g. {@code postgres}, {@code template1}). */
    public static Optional<DatabaseName> parse(String name) {
        if (name == null || name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) return Optional.empty();
        int underscore = name.indexOf('_');
        if (underscore < 0) return Optional.empty();
        String platform = name.substring(0, underscore);
        String rest = name.substring(underscore + 1);
        if (!PLATFORM.matcher(platform).matches() || !TENANT_ID.matcher(rest).matches()) return Optional.empty();
        if (platform.equals(RESERVED_PLATFORM)) return Optional.empty();
        return Optional.of(new DatabaseName(platform, rest.equals(MAIN) ? null : rest));
    }

    public static DatabaseName main(String platform) {
        return new DatabaseName(platform, null);
    }

    public static DatabaseName tenant(String platform, String tenantId) {
        return new DatabaseName(platform, tenantId);
    }

    public boolean isMain() {
        return tenantId == null;
    }

    /** The database name as PostgreSQL knows it. */
    public String text() {
        return text(platform, tenantId);
    }

    private static String text(String platform, String tenantId) {
        return platform + "_" + (tenantId == null ? MAIN : tenantId);
    }

    @Override
    public String toString() {
        return text();
    }
}
