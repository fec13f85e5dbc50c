package org.stonescriptdb.gateway.schema.bundle;

/**
 * Ceilings that keep a hostile upload from exhausting the gateway. Sizes count uncompressed bytes actually
 * read, never the sizes an archive header claims.
 */
public record BundleLimits(int maxEntries, long maxUncompressedBytes) {

    public static final BundleLimits DEFAULT = new BundleLimits(10_000, 50L * 1024 * 1024);

    public BundleLimits {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        if (maxUncompressedBytes < 1) {
            throw new IllegalArgumentException("maxUncompressedBytes must be at least 1, got " + maxUncompressedBytes);
        }
    }
}
