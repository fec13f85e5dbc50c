package org.stonescriptdb.gateway.schema.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Deploys one bundle to a platform's main database first — a canary: if it fails or is blocked, no tenant
 * is touched — then to the tenants, at most {@code parallelism} at a time. Each tenant gets its own result;
 * with {@code stopOnFirstFailure}, tenants not yet started when one fails are reported as skipped.
 */
public final class FanOutDeployer {

    private final DatabaseDeployer deployer;

    public FanOutDeployer(DatabaseDeployer deployer) {
        this.deployer = deployer;
    }

    public FanOutResult deployAll(ConnectionSource source, String mainDatabase, List<String> tenantDatabases,
                                  DeployOptions options, UUID deploymentId) {
        long started = System.nanoTime();
        List<DatabaseResult> results = new ArrayList<>();
        DatabaseResult main = deployer.deploy(source, mainDatabase, options, deploymentId);
        results.add(main);
        if (main.status() == DeployStatus.FAILED || main.status() == DeployStatus.BLOCKED) {
            for (String tenant : tenantDatabases) {
                results.add(DatabaseResult.skipped(tenant, deploymentId.toString(), options.dryRun(),
                        "not attempted: the main database " + mainDatabase + " (canary) was " + main.status()));
            }
            return FanOutResult.of(deploymentId.toString(), options.dryRun(), elapsed(started), results);
        }
        results.addAll(tenants(source, tenantDatabases, options, deploymentId));
        return FanOutResult.of(deploymentId.toString(), options.dryRun(), elapsed(started), results);
    }

    private List<DatabaseResult> tenants(ConnectionSource source, List<String> tenants, DeployOptions options,
                                         UUID deploymentId) {
        Semaphore permits = new Semaphore(options.parallelism());
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<DatabaseResult>> futures = new ArrayList<>();
        // Virtual threads: deploys block on JDBC; the semaphore, not the executor, bounds connections in use.
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String tenant : tenants) {
                futures.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        if (stop.get()) {
                            return DatabaseResult.skipped(tenant, deploymentId.toString(), options.dryRun(),
                                    "not attempted: an earlier database failed and stopOnFirstFailure is set");
                        }
                        DatabaseResult r = deployer.deploy(source, tenant, options, deploymentId);
                        if (options.stopOnFirstFailure()
                                && (r.status() == DeployStatus.FAILED || r.status() == DeployStatus.BLOCKED)) {
                            stop.set(true);
                        }
                        return r;
                    } finally {
                        permits.release();
                    }
                }));
            }
        }
        List<DatabaseResult> results = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                results.add(DatabaseResult.skipped(tenants.get(i), deploymentId.toString(), options.dryRun(),
                        "not attempted: the fan-out was interrupted"));
            } catch (ExecutionException e) {
                results.add(DatabaseResult.skipped(tenants.get(i), deploymentId.toString(), options.dryRun(),
                        "not attempted: " + e.getCause()));
            }
        }
        return results;
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
