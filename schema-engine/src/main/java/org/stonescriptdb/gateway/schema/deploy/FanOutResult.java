package org.stonescriptdb.gateway.schema.deploy;

import java.util.List;

/** The report of a deploy to a platform's main database and its tenants; {@code databases} lists main first. */
public record FanOutResult(String deploymentId, boolean dryRun, long durationMillis, int applied, int unchanged,
                           int blocked, int failed, int skipped, List<DatabaseResult> databases) {

    public FanOutResult {
        databases = List.copyOf(databases);
    }

    static FanOutResult of(String deploymentId, boolean dryRun, long durationMillis, List<DatabaseResult> results) {
        int[] counts = new int[DeployStatus.values().length];
        results.forEach(r -> counts[r.status().ordinal()]++);
        return new FanOutResult(deploymentId, dryRun, durationMillis, counts[DeployStatus.APPLIED.ordinal()],
                counts[DeployStatus.UNCHANGED.ordinal()], counts[DeployStatus.BLOCKED.ordinal()],
                counts[DeployStatus.FAILED.ordinal()], counts[DeployStatus.SKIPPED.ordinal()], results);
    }

    /** True when no database failed or was blocked or skipped. */
    public boolean succeeded() {
        return blocked == 0 && failed == 0 && skipped == 0;
    }
}
