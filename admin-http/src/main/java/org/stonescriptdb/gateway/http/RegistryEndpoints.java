package org.stonescriptdb.gateway.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stonescriptdb.gateway.registry.PlatformRegistry;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoints that read or change the registry without deploying: v2 platform registration, schema upload
 * and listings, v1 {@code /admin/databases} and the tenant drop.
 */
public final class RegistryEndpoints {

    private final Deployments d;

    RegistryEndpoints(Deployments deployments) {
        this.d = deployments;
    }

    List<Endpoint.Route> routes() {
        return List.of(
                new Endpoint.Route("GET", "/admin/databases", this::adminDatabases),
                new Endpoint.Route("DELETE", "/admin/tenant/{platform}/{tenant_id}", this::dropTenant),
                new Endpoint.Route("POST", "/platform/register", this::registerPlatform),
                new Endpoint.Route("POST", "/platform/{platform}/schema", this::uploadSchema),
                new Endpoint.Route("GET", "/platform/{platform}/schemas", this::schemas),
                new Endpoint.Route("GET", "/platform/{platform}/databases", this::databases),
                new Endpoint.Route("GET", "/platforms", this::platforms));
    }

    /** Seed 000 §4.3: main and tenants on the backend, with their type. */
    Endpoint.Reply adminDatabases(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        d.requirePlatform(platform);
        List<Map<String, String>> databases = d.databasesOf(platform).stream()
                .map(db -> Map.of("name", db.text(), "type", db.isMain() ? "main" : "tenant")).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", platform);
        body.put("databases", databases);
        body.put("count", databases.size());
        return Endpoint.Reply.json(200, body);
    }

    /** Drops a tenant database after closing its pools; needs {@code ?confirm=<database name>}. */
    Endpoint.Reply dropTenant(Request request) throws Exception {
        d.keys.requireAdmin(request);
        DatabaseName db = Names.database(request.param("platform"), request.param("tenant_id"));
        if (db.isMain()) throw ApiException.badRequest("only tenant databases can be dropped here");
        String confirm = request.param("confirm");
        if (!db.text().equals(confirm)) {
            throw new ApiException(400, "confirmation_required", "dropping " + db + " deletes all its data; repeat its name as ?confirm="
                    + db, db.platform(), db.tenantId(), Map.of());
        }
        if (!d.backend.exists(db.text())) {
            throw ApiException.notFound("database_not_found", "Database " + db + " does not exist", db.platform(), db.tenantId());
        }
        try (AutoCloseable lock = d.lock(db.platform())) {
            d.drop(db);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("database", db.text());
        body.put("dropped", true);
        body.put("platform", db.platform());
        body.put("tenant_id", db.tenantId());
        return Endpoint.Reply.json(200, body);
    }

    Endpoint.Reply registerPlatform(Request request) throws Exception {
        d.keys.requireAdmin(request);
        ObjectNode body = request.json();
        String platform = Names.platform(Names.text(body, "platform"));
        if (!d.registry.registerPlatform(platform)) {
            throw new ApiException(409, "platform_exists", "platform " + platform + " is already registered", platform, null, Map.of());
        }
        return Endpoint.Reply.json(201, Map.of("platform", platform, "registered", true));
    }

    /** Stores a bundle as the next version of a named schema (201), or finds it identical to the latest (200). */
    Endpoint.Reply uploadSchema(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        requireRegistered(platform);
        Request.Form form = request.multipart();
        String schemaName = Names.schemaName(form.field("schema_name"));
        byte[] archive = form.file("schema");
        String checksum = Deployments.bundle(archive).checksum();
        PlatformRegistry.StoredSchema stored = d.registry.storeSchema(platform, schemaName, archive, checksum);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platform", platform);
        body.put("schema_name", schemaName);
        body.put("version", stored.version());
        body.put("checksum", stored.checksum());
        body.put("size_bytes", stored.sizeBytes());
        body.put("created_at", stored.createdAt());
        body.put("created", stored.created());
        return Endpoint.Reply.json(stored.created() ? 201 : 200, body);
    }

    Endpoint.Reply schemas(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        requireRegistered(platform);
        List<PlatformRegistry.SchemaSummary> schemas = d.registry.schemas(platform);
        return Endpoint.Reply.json(200, listing("platform", platform, "schemas", schemas));
    }

    Endpoint.Reply databases(Request request) throws Exception {
        d.keys.requireAdmin(request);
        String platform = Names.platform(request.param("platform"));
        requireRegistered(platform);
        return Endpoint.Reply.json(200, listing("platform", platform, "databases", d.registry.databases(platform)));
    }

    Endpoint.Reply platforms(Request request) throws Exception {
        d.keys.requireAdmin(request);
        List<PlatformRegistry.Platform> platforms = d.registry.platforms();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("platforms", platforms);
        body.put("count", platforms.size());
        return Endpoint.Reply.json(200, body);
    }

    private void requireRegistered(String platform) throws Exception {
        if (!d.registry.platformExists(platform)) {
            throw ApiException.notFound("platform_not_found", "platform " + platform + " is not registered (POST /platform/register)",
                    platform, null);
        }
    }

    private static Map<String, Object> listing(String key, String value, String field, List<?> items) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(key, value);
        body.put(field, items);
        body.put("count", items.size());
        return body;
    }
}
