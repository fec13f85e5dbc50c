package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.registry.PlatformRegistry;
import org.stonescriptdb.gateway.registry.PlatformRegistry.LastDeployment;
import org.stonescriptdb.gateway.registry.PlatformRegistry.StoredSchema;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.history.DatabaseInspection;
import org.stonescriptdb.gateway.schema.history.SchemaShape;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * {@code GET /platform/{platform}/versions}: every database of a platform with the bundle it carries, its last
 * deployment, and whether it is behind the platform's latest stored version or has drifted (objects changed outside
 * the gateway since its last deploy). Each database is read by the platform's own role, a few at a time.
 */
final class VersionEndpoints {

    /** Databases read at once: each read is two catalog queries on a connection of its own. */
    private static final int PARALLEL_READS = 8;
    /** Drift lines listed per direction; a schema rebuilt by hand should not make a megabyte answer. */
    private static final int DRIFT_LINES = 50;

    private final Deployments d;

    VersionEndpoints(Deployments deployments) {
        this.d = deployments;
    }

    List<Endpoint.Route> routes() {
        return List.of(new Endpoint.Route("GET", "/platform/{platform}/versions", this::versions));
    }

    Endpoint.Reply versions(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        d.requirePlatform(platform);
        List<DatabaseName> databases = d.databasesOf(platform);
        Map<String, PlatformRegistry.Database> registered = new HashMap<>();
        for (PlatformRegistry.Database db : d.registry.databases(platform)) registered.put(db.name(), db);
        Map<String, LastDeployment> last = d.registry.lastDeployments(platform);
        Map<String, Optional<Latest>> latest = new HashMap<>();
        List<Inspected> inspected = inspectAll(databases);

        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (Inspected i : inspected) {
            PlatformRegistry.Database reg = registered.get(i.database().text());
            String schemaName = reg != null && reg.schemaName() != null ? reg.schemaName() : Deployments.DEFAULT_SCHEMA;
            Optional<Latest> newest = latest.computeIfAbsent(schemaName, n -> latestOf(platform, n));
            Map<String, Object> row = row(i, reg, schemaName, newest.orElse(null), last.get(i.database().text()));
            counts.merge((String) row.get("state"), 1, Integer::sum);
            rows.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", platform);
        Map<String, Object> latestBySchema = new TreeMap<>();
        latest.forEach((name, l) -> l.ifPresent(x -> latestBySchema.put(name, x)));
        body.put("latest", latestBySchema);
        body.put("counts", counts);
        body.put("databases", rows);
        return Endpoint.Reply.json(200, body);
    }

    /** The newest stored version of a schema, with its label (read from the stored bundle). */
    record Latest(int version, String checksum, String label) {
    }

    private record Inspected(DatabaseName database, DatabaseInspection inspection, String error) {
    }

    private Optional<Latest> latestOf(String platform, String schemaName) {
        try {
            Optional<StoredSchema> stored = d.registry.latestSchema(platform, schemaName);
            return stored.map(s -> new Latest(s.version(), s.checksum(), Deployments.bundle(s.bundle()).label()));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the stored schemas of " + platform + ": " + e.getMessage(), e);
        }
    }

    private List<Inspected> inspectAll(List<DatabaseName> databases) throws InterruptedException {
        Semaphore permits = new Semaphore(PARALLEL_READS);
        List<Inspected> out = new ArrayList<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Inspected>> futures = new ArrayList<>();
            for (DatabaseName db : databases) {
                futures.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return new Inspected(db, d.inspect(db.text()), null);
                    } catch (SQLException e) {
                        return new Inspected(db, null, e.getMessage());
                    } finally {
                        permits.release();
                    }
                }));
            }
            for (Future<Inspected> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("reading a database's version failed", e.getCause());
                }
            }
        }
        return out;
    }

    private static Map<String, Object> row(Inspected i, PlatformRegistry.Database reg, String schemaName, Latest latest,
                                           LastDeployment last) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("database", i.database().text());
        row.put("type", i.database().isMain() ? "main" : "tenant");
        row.put("tenant_id", i.database().tenantId());
        row.put("schema_name", schemaName);
        row.put("schema_version", reg == null ? null : reg.schemaVersion());
        var carried = i.inspection() == null ? null : i.inspection().carried();
        row.put("checksum", carried == null ? null : carried.checksum());
        row.put("label", carried == null ? null : carried.label());
        row.put("deployed_at", carried == null ? null : carried.deployedAt().toString());
        row.put("last_deployment", last);
        boolean behind = carried != null && latest != null && !latest.checksum().equals(carried.checksum());
        SchemaShape.Drift drift = i.inspection() == null ? null : i.inspection().drift();
        boolean drifted = drift != null && !drift.none();
        row.put("behind", behind);
        row.put("drifted", drifted);
        row.put("state", i.error() != null ? "unreachable" : carried == null ? "unrecorded" : behind ? "behind" : drifted ? "drifted" : "current");
        if (i.error() != null) row.put("error", i.error());
        if (drifted) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("added", first(drift.added()));
            d.put("removed", first(drift.removed()));
            d.put("truncated", drift.added().size() > DRIFT_LINES || drift.removed().size() > DRIFT_LINES);
            row.put("drift", d);
        }
        return row;
    }

    private static List<String> first(List<String> lines) {
        return lines.size() <= DRIFT_LINES ? lines : lines.subList(0, DRIFT_LINES);
    }
}
