package org.stonescriptdb.gateway.schema.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Deploys one bundle to a platform's main database first — a canary: if it fails or is blocked, no tenant
 * is touched — then to the tenants, at most {@code parallelism} at a time. Each tenant gets its own result;
 * with {@code stopOnFirstFailure}, tenants not yet started when one fails are reported as skipped.
 * {@link #deployEach} does the same for databases without a canary (tenants whose main is not part of the deploy).
 * Each database's result is told to a {@link DeployProgress} as soon as it is known.
 */
public final class FanOutDeployer {

    private static final Logger LOG = Logger.getLogger(FanOutDeployer.class.getName());

    private final DatabaseDeployer deployer;

    public FanOutDeployer(DatabaseDeployer deployer) {
        this.deployer = deployer;
    }

    public FanOutResult deployAll(ConnectionSource source, String mainDatabase, List<String> tenantDatabases,
                                  DeployOptions options, UUID deploymentId) {
        return deployAll(source, mainDatabase, tenantDatabases, options, deploymentId, DeployProgress.NONE);
    }

    public FanOutResult deployAll(ConnectionSource source, String mainDatabase, List<String> tenantDatabases,
                                  DeployOptions options, UUID deploymentId, DeployProgress progress) {
        long started = System.nanoTime();
        List<DatabaseResult> results = new ArrayList<>();
        DatabaseResult main = deployer.deploy(source, mainDatabase, options, deploymentId);
        results.add(main);
        tell(progress, main);
        if (main.status() == DeployStatus.FAILED || main.status() == DeployStatus.BLOCKED) {
            for (String tenant : tenantDatabases) {
                DatabaseResult skipped = DatabaseResult.skipped(tenant, deploymentId.toString(), options.dryRun(),
                        "not attempted: the main database " + mainDatabase + " (canary) was " + main.status());
                results.add(skipped);
                tell(progress, skipped);
            }
            return FanOutResult.of(deploymentId.toString(), options.dryRun(), elapsed(started), results);
        }
        results.addAll(tenants(source, tenantDatabases, options, deploymentId, progress));
        return FanOutResult.of(deploymentId.toString(), options.dryRun(), elapsed(started), results);
    }

    /**
     * Deploys to each database on its own, {@code parallelism} at a time, without a canary — for tenants whose main
     * database is not part of the deploy. One deployment id for all of them, so the report (and a retry of it) can
     * find every database it covered.
     */
    public FanOutResult deployEach(ConnectionSource source, List<String> databases, DeployOptions options,
                                   UUID deploymentId, DeployProgress progress) {
        long started = System.nanoTime();
        List<DatabaseResult> results = tenants(source, databases, options, deploymentId, progress);
        return FanOutResult.of(deploymentId.toString(), options.dryRun(), elapsed(started), results);
    }

    private List<DatabaseResult> tenants(ConnectionSource source, List<String> tenants, DeployOptions options,
                                         UUID deploymentId, DeployProgress progress) {
        DatabaseResult[] results = new DatabaseResult[tenants.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        // A fixed set of workers takes tenants in list order: at most `parallelism` deploys (and connections)
        // at once, and "stop at the first failure" skips exactly the tenants not yet started.
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < results.length; i = next.getAndIncrement()) {
                String tenant = tenants.get(i);
                if (stop.get()) {
                    results[i] = DatabaseResult.skipped(tenant, deploymentId.toString(), options.dryRun(),
                            "not attempted: an earlier database failed and stopOnFirstFailure is set");
                    tell(progress, results[i]);
                    continue;
                }
                DatabaseResult r = deployer.deploy(source, tenant, options, deploymentId);
                results[i] = r;
                if (options.stopOnFirstFailure()
                        && (r.status() == DeployStatus.FAILED || r.status() == DeployStatus.BLOCKED)) {
                    stop.set(true);
                }
                tell(progress, r);
            }
        };
        // Virtual threads: deploys block on JDBC and must never hold a platform thread hostage.
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < Math.min(options.parallelism(), results.length); w++) executor.execute(worker);
        }
        List<DatabaseResult> list = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                results[i] = DatabaseResult.skipped(tenants.get(i), deploymentId.toString(), options.dryRun(),
                        "not attempted: the fan-out was interrupted");
                tell(progress, results[i]);
            }
            list.add(results[i]);
        }
        return list;
    }

    /** An observer's failure is its own: the deploy goes on and its report stays whole. */
    private static void tell(DeployProgress progress, DatabaseResult result) {
        try {
            progress.databaseFinished(result);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the progress listener failed on " + result.database() + "; the deploy goes on", e);
        }
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
