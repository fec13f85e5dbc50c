package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.core.type.TypeReference;
import org.stonescriptdb.gateway.metrics.GatewayMetrics;
import org.stonescriptdb.gateway.proxy.GatewayProxy;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.DatabaseConnections;
import org.stonescriptdb.gateway.registry.PlatformRegistry;
import org.stonescriptdb.gateway.registry.PlatformRoles;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.schema.deploy.DeployProgress;
import org.stonescriptdb.gateway.schema.deploy.DeployStatus;
import org.stonescriptdb.gateway.schema.deploy.FanOutResult;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the deploying endpoints share: the schema engine, the platform lock, creating and dropping databases
 * (the proxy's router learns at once), the deployment history, the metrics and the shape of reports and of a
 * blocked or failed deploy (422, whole report).
 */
final class Deployments {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Deployments.class.getName());

    /** The schema name v1's /register and /migrate store a platform's bundle under. */
    static final String DEFAULT_SCHEMA = "default";

    final ApiKeys keys;
    final BackendDatabases backend;
    final PlatformRegistry registry;
    final GatewayProxy proxy;
    final DatabaseConnections connections;
    private final PlatformRoles roles;
    final GatewayMetrics metrics;
    private final SchemaEngine engine;
    /** Every deploy's starting point (DEPLOY_LOCK_TIMEOUT_MS, DEPLOY_STATEMENT_TIMEOUT_SECS); endpoints add force and dry run. */
    final DeployOptions options;

    Deployments(ApiKeys keys, BackendDatabases backend, PlatformRegistry registry, PlatformRoles roles, GatewayProxy proxy, DatabaseConnections connections,
                GatewayMetrics metrics, SchemaEngine engine, DeployOptions options) {
        this.keys = keys;
        this.backend = backend;
        this.registry = registry;
        this.proxy = proxy;
        this.connections = connections;
        this.roles = roles;
        this.metrics = metrics;
        this.engine = engine;
        this.options = options;
    }

    /** Reads and compiles a bundle; 400 when it is refused, before any database is touched. */
    static Bundle bundle(byte[] archive) {
        try {
            Bundle bundle = Bundle.fromTarGz(archive);
            SchemaEngine.validate(bundle);
            return bundle;
        } catch (BundleException e) {
            throw new ApiException(400, "invalid_bundle", e.getMessage());
        } catch (IOException e) {
            throw new ApiException(400, "invalid_bundle", "the schema archive could not be read: " + e.getMessage());
        }
    }

    /** Which bundle a database carries and its drift since (read only); SQLException when it cannot be read. */
    org.stonescriptdb.gateway.schema.history.DatabaseInspection inspect(String database) throws SQLException {
        return engine.inspect(database);
    }

    /** Holds the platform's lock for a deploy or tenant change; 409 while another holds it. */
    AutoCloseable lock(String platform) throws SQLException {
        Optional<AutoCloseable> lock = registry.tryLock(platform);
        if (lock.isEmpty()) {
            throw new ApiException(409, "platform_locked", "another deployment or tenant change of platform " + platform
                    + " is running; try again when it has finished", platform, null, Map.of());
        }
        return lock.get();
    }

    /** Every database of the platform on the backend: main first (if it exists), then tenants by name. */
    List<DatabaseName> databasesOf(String platform) throws SQLException {
        List<DatabaseName> out = new ArrayList<>();
        for (String name : backend.list()) {
            DatabaseName.parse(name).filter(d -> d.platform().equals(platform)).ifPresent(out::add);
        }
        out.sort((a, b) -> a.isMain() ? -1 : b.isMain() ? 1 : a.text().compareTo(b.text()));
        return out;
    }

    boolean platformKnown(String platform) throws SQLException {
        return registry.platformExists(platform) || backend.exists(DatabaseName.main(platform).text());
    }

    void requirePlatform(String platform) throws SQLException {
        if (!platformKnown(platform)) {
            throw ApiException.notFound("platform_not_found", "platform " + platform + " is not registered (POST /register or /platform/register)",
                    platform, null);
        }
    }

    /** Creates a database and tells the router; false when it existed already. */
    boolean create(DatabaseName name, DatabaseName template) throws SQLException {
        // The platform's role owns the database (created with the role if this is the platform's first).
        String owner = roles.ensure(name.platform()).user();
        boolean created = backend.create(name, template, owner);
        if (created) {
            proxy.databaseCreated(name.text());
            LOG.info(() -> "created database " + name + (template == null ? "" : " from template " + template));
        }
        return created;
    }

    /**
     * Ends the database's wire-protocol sessions (FATAL 57P01 naming the drop) and closes every pool to it, then drops
     * it and forgets it. Sessions are ended by the gateway rather than left to {@code DROP DATABASE … WITH (FORCE)}: in
     * transaction pooling an idle client holds no backend, so FORCE would not reach it, and it would go on to be served
     * by a database created again under the same name.
     */
    void drop(DatabaseName name) throws SQLException {
        proxy.endDatabase(name.text(), "terminating connection because database \"" + name + "\" is being dropped through the gateway's admin API");
        connections.close(name.text());
        backend.drop(name);
        // A session that was still logging in when the database left the router ends here at the latest.
        proxy.endDatabase(name.text(), "terminating connection because database \"" + name + "\" was dropped through the gateway's admin API");
        registry.removeDatabase(name.text());
        LOG.info(() -> "dropped database " + name);
    }

    DatabaseResult deploy(String platform, Bundle bundle, DatabaseName database, DeployOptions options, String kind,
                          String schemaName, Integer version) throws SQLException {
        long started = System.nanoTime();
        DatabaseResult result = options.dryRun() ? engine.plan(bundle, database.text(), options) : engine.deploy(bundle, database.text(), options);
        finished(platform, kind, schemaName, version, options, List.of(result), started);
        return result;
    }

    /**
     * Deploys to {@code databases}: with main first (the canary) when it is among them, else each on its own.
     * {@code progress} is told each database's result as soon as it is known ({@link NdjsonAnswer} streams them).
     */
    FanOutResult deployAll(String platform, Bundle bundle, List<DatabaseName> databases, DeployOptions options, String kind,
                           String schemaName, Integer version, DeployProgress progress) throws SQLException {
        long started = System.nanoTime();
        FanOutResult result;
        List<String> names = databases.stream().map(DatabaseName::text).toList();
        if (!databases.isEmpty() && databases.getFirst().isMain()) {
            result = engine.deployAll(bundle, names.getFirst(), names.subList(1, names.size()), options, progress);
        } else {
            // Tenants without their main database (v2 migrate of a tenant schema, a retry): no canary, one deployment id.
            result = engine.deployEach(bundle, names, options, progress);
        }
        finished(platform, kind, schemaName, version, options, result.databases(), started);
        return result;
    }

    private void finished(String platform, String kind, String schemaName, Integer version, DeployOptions options,
                          List<DatabaseResult> results, long started) throws SQLException {
        Map<String, Long> counts = new TreeMap<>(results.stream().collect(Collectors.groupingBy(r -> r.status().toString(), Collectors.counting())));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.deployment(platform, kind, counts, took);
        // The audit line: what was deployed where, with the outcome (never a key, never a bundle's content).
        LOG.info(() -> kind + (options.dryRun() ? " (dry run)" : "") + (options.force() ? " (forced)" : "") + " of platform " + platform
                + (schemaName == null ? "" : " schema " + schemaName) + " to " + results.size() + " database(s): " + counts
                + " in " + took.toMillis() + " ms" + (results.isEmpty() ? "" : ", deployment " + results.getFirst().deploymentId()));
        registry.recordDeployment(platform, schemaName, version, options.force(), results);
    }

    static boolean ok(DatabaseResult r) {
        return r.status() == DeployStatus.APPLIED || r.status() == DeployStatus.UNCHANGED;
    }

    /** 422 for a blocked or failed deploy (503 when the database could not be reached), with the whole report. */
    static ApiException rejected(String platform, String tenantId, List<DatabaseResult> results, Object report) {
        Map<String, Object> extra = new LinkedHashMap<>();
        Optional<DatabaseResult> blocked = results.stream().filter(r -> r.status() == DeployStatus.BLOCKED).findFirst();
        Optional<DatabaseResult> failed = results.stream().filter(r -> r.status() == DeployStatus.FAILED).findFirst();
        blocked.ifPresent(b -> extra.put("schema_validation", b.schemaValidation()));
        extra.put("report", report);
        if (blocked.isPresent()) {
            DatabaseResult b = blocked.get();
            return new ApiException(422, "schema_validation_failed", "deployment to " + b.database()
                    + " is blocked: " + String.join("; ", b.blockers()) + " — nothing was changed there; fix the bundle or send force=true",
                    platform, tenantId, extra);
        }
        DatabaseResult f = failed.orElseThrow();
        boolean unreachable = f.failure() != null && f.failure().sqlState() != null && f.failure().sqlState().startsWith("08");
        String message = "deployment to " + f.database() + " failed and was rolled back"
                + (f.failure() == null ? "" : ": " + f.failure().message() + (f.failure().file() == null ? "" : " (in " + f.failure().file() + ")"));
        return new ApiException(unreachable ? 503 : 422, unreachable ? "backend_unavailable" : "deployment_failed", message,
                platform, tenantId, extra);
    }

    /** A fan-out report as a JSON object with extra leading fields. */
    static Map<String, Object> report(Map<String, Object> leading, FanOutResult result) {
        Map<String, Object> out = new LinkedHashMap<>(leading);
        out.putAll(Json.MAPPER.convertValue(result, new TypeReference<Map<String, Object>>() { }));
        return out;
    }
}
