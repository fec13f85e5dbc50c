package org.stonescriptdb.gateway.schema.history;

/** One row of the changelog: what changed, how, and the checksums before and after (null when none). */
public record ChangelogEntry(String kind, String object, String action, String oldChecksum, String newChecksum) {
}
