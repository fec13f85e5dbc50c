package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.log.LogContext;
import org.stonescriptdb.gateway.protocol.SqlState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stonescriptdb.gateway.registry.PlatformRegistry.StoredSchema;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.deploy.DatabaseResult;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.schema.deploy.DeployProgress;
import org.stonescriptdb.gateway.schema.deploy.DeployStatus;
import org.stonescriptdb.gateway.schema.deploy.FanOutResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The endpoints that deploy a schema: v1 {@code /register}, {@code /migrate}, {@code /admin/create-tenant}; v2
 * {@code /database/create}, {@code /v2/migrate}. Each holds the platform's lock, answers once with the whole
 * report — or, for a fan-out whose client asked for it, streams each database's result as NDJSON ({@link NdjsonAnswer})
 * — and leaves nothing behind when refused (a database it created for a deploy that failed is dropped).
 */
public final class DeployEndpoints {

    private final Deployments d;

    DeployEndpoints(Deployments deployments) {
        this.d = deployments;
    }

    List<Endpoint.Route> routes() {
        return List.of(
                new Endpoint.Route("POST", "/register", this::register),
                new Endpoint.Route("POST", "/migrate", this::migrate),
                new Endpoint.Route("POST", "/admin/create-tenant", this::createTenant),
                new Endpoint.Route("POST", "/admin/create-tenant-db", this::createTenant),
                new Endpoint.Route("POST", "/database/create", this::createDatabase),
                new Endpoint.Route("POST", "/v2/migrate", this::migrateStored));
    }

    /** v1: creates {platform}_main if missing, deploys the bundle there, stores it as the platform's schema. */
    Endpoint.Reply register(Request request) throws Exception {
        d.keys.requireAdmin(request);
        Request.Form form = request.multipart();
        String platform = Names.platform(form.field("platform"));
        LogContext.put("platform", platform);
        boolean force = Names.flag(form.field("force"), "force");
        byte[] archive = form.file("schema");
        Bundle bundle = Deployments.bundle(archive);
        DatabaseName main = DatabaseName.main(platform);
        try (AutoCloseable lock = d.lock(platform)) {
            boolean created = d.create(main, null);
            // Main first (the canary), then every tenant: a new version must not leave the tenants quietly behind.
            List<DatabaseName> targets = created ? List.of(main) : d.databasesOf(platform);
            FanOutResult all;
            try {
                DeployProgress progress = NdjsonAnswer.begin(request);
                all = d.deployAll(platform, bundle, targets, d.options.withForce(force), "register", Deployments.DEFAULT_SCHEMA, null, progress);
            } catch (Exception e) {
                if (created) d.drop(main);
                throw e;
            }
            DatabaseResult result = all.databases().getFirst();
            if (!Deployments.ok(result)) {
                if (created) d.drop(main);
                throw Deployments.rejected(platform, null, List.of(result), result);
            }
            List<DatabaseResult> tenants = all.databases().subList(1, all.databases().size());
            d.registry.registerPlatform(platform);
            StoredSchema stored = d.registry.storeSchema(platform, Deployments.DEFAULT_SCHEMA, archive, bundle.checksum());
            d.registry.recordDatabase(main.text(), platform, null, Deployments.DEFAULT_SCHEMA, stored.version());
            for (DatabaseResult t : tenants) {
                if (!Deployments.ok(t)) continue;
                DatabaseName db = DatabaseName.parse(t.database()).orElseThrow();
                d.registry.recordDatabase(db.text(), platform, db.tenantId(), Deployments.DEFAULT_SCHEMA, stored.version());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "ready");
            body.put("platform", platform);
            body.put("database", main.text());
            body.put("created", created);
            body.put("schema_name", Deployments.DEFAULT_SCHEMA);
            body.put("schema_version", stored.version());
            body.put("checksum", stored.checksum());
            body.put("deployment", result);
            body.put("label", bundle.label());
            body.put("tenants", tenants.size());
            // Every database the bundle changed, main first: what a caller reads to know where the new version now is.
            body.put("changed", all.databases().stream().filter(r -> r.status() == DeployStatus.APPLIED).map(DatabaseResult::database).toList());
            body.put("tenants_changed", tenants.stream().filter(t -> t.status() == DeployStatus.APPLIED).map(DatabaseResult::database).toList());
            // Tenants that did not take the bundle (blocked, failed, or skipped) stay on the schema they had: named here,
            // with the whole report, so a caller can act (POST /migrate again once the cause is fixed).
            body.put("behind", tenants.stream().filter(t -> !Deployments.ok(t)).map(DatabaseResult::database).toList());
            body.put("fan_out", all);
            return Endpoint.Reply.json(200, body);
        }
    }

    /**
     * v1: deploys to main and every tenant database (fan-out), stores the bundle when main took it. With
     * {@code retry_deployment}, only to the databases that deployment left behind ({@link RetryTargets}).
     */
    Endpoint.Reply migrate(Request request) throws Exception {
        d.keys.requireAdmin(request);
        Request.Form form = request.multipart();
        String platform = Names.platform(form.field("platform"));
        LogContext.put("platform", platform);
        boolean force = Names.flag(form.field("force"), "force");
        boolean dryRun = Names.flag(form.field("dry_run"), "dry_run");
        String retryField = form.field("retry_deployment");
        String retryId = retryField == null ? null : RetryTargets.deploymentId(retryField);
        byte[] archive = form.file("schema");
        Bundle bundle = Deployments.bundle(archive);
        DatabaseName main = DatabaseName.main(platform);
        if (!d.backend.exists(main.text())) {
            throw ApiException.notFound("platform_not_found", "Database " + main + " does not exist; POST /register first", platform, null);
        }
        try (AutoCloseable lock = d.lock(platform)) {
            RetryTargets retry = retryId == null ? null : RetryTargets.of(d, platform, Deployments.DEFAULT_SCHEMA, retryId, dryRun);
            List<DatabaseName> targets = retry == null ? d.databasesOf(platform) : retry.targets();
            // Tenants retried without main get the schema main has, so they must be sent that one (checked before any
            // database is touched); with main among the targets it is the canary again and the bundle stored as usual.
            StoredSchema mains = retry != null && !retry.includesMain() && !targets.isEmpty() && !dryRun
                    ? mainsSchema(platform, bundle, retry.deploymentId()) : null;
            DeployOptions options = d.options.withForce(force).withDryRun(dryRun);
            DeployProgress progress = NdjsonAnswer.begin(request);
            FanOutResult result = d.deployAll(platform, bundle, targets, options, "migrate", Deployments.DEFAULT_SCHEMA, null, progress);
            return answer(platform, Deployments.DEFAULT_SCHEMA, archive, bundle, result, dryRun, retry, mains);
        }
    }

    /**
     * v2: deploys the latest stored version of a schema to the databases created with it (or those named), or, with
     * {@code retry_deployment}, to the ones that deployment left behind ({@link RetryTargets}).
     */
    Endpoint.Reply migrateStored(Request request) throws Exception {
        d.keys.requireAdmin(request);
        ObjectNode body = request.json();
        String platform = Names.platform(Names.text(body, "platform"));
        LogContext.put("platform", platform);
        String schemaName = Names.schemaName(Names.text(body, "schema_name"));
        boolean force = Names.flag(body, "force");
        boolean dryRun = Names.flag(body, "dry_run");
        String retryText = Names.text(body, "retry_deployment");
        String retryId = retryText == null ? null : RetryTargets.deploymentId(retryText);
        JsonNode named = body.get("databases");
        if (retryId != null && named != null && !named.isNull()) {
            throw ApiException.badRequest("send either databases or retry_deployment, not both: a retry deploys to exactly"
                    + " the databases its deployment left behind");
        }
        d.requirePlatform(platform);
        StoredSchema schema = storedSchema(platform, schemaName);
        List<DatabaseName> chosen = retryId == null ? chosenTargets(platform, schemaName, named) : null;
        Bundle bundle = Deployments.bundle(schema.bundle());
        try (AutoCloseable lock = d.lock(platform)) {
            // A retry reads the history under the platform's lock, where no other deploy changes it meanwhile.
            RetryTargets retry = retryId == null ? null : RetryTargets.of(d, platform, schemaName, retryId, dryRun);
            List<DatabaseName> targets = retry == null ? chosen : retry.targets();
            DeployOptions options = d.options.withForce(force).withDryRun(dryRun);
            DeployProgress progress = NdjsonAnswer.begin(request);
            FanOutResult result = d.deployAll(platform, bundle, targets, options, "migrate", schemaName, schema.version(), progress);
            if (!dryRun) {
                for (DatabaseResult r : result.databases()) {
                    if (Deployments.ok(r)) {
                        DatabaseName db = DatabaseName.parse(r.database()).orElseThrow();
                        d.registry.recordDatabase(db.text(), platform, db.tenantId(), schemaName, schema.version());
                    }
                }
            }
            Map<String, Object> leading = new LinkedHashMap<>();
            leading.put("platform", platform);
            leading.put("schema_name", schemaName);
            leading.put("schema_version", schema.version());
            leading.put("checksum", schema.checksum());
            retried(leading, retry, result);
            Map<String, Object> report = Deployments.report(leading, result);
            if (!result.succeeded() && (result.blocked() > 0 || result.failed() > 0)) {
                throw Deployments.rejected(platform, null, result.databases(), report);
            }
            return Endpoint.Reply.json(200, report);
        }
    }

    /** The databases named in {@code databases} (each must exist), else those created with the schema; main first. */
    private List<DatabaseName> chosenTargets(String platform, String schemaName, JsonNode named) throws java.sql.SQLException {
        List<DatabaseName> targets = new ArrayList<>();
        if (named != null && !named.isNull()) {
            if (!named.isArray()) throw ApiException.badRequest("databases must be an array of database names");
            List<DatabaseName> existing = d.databasesOf(platform);
            for (JsonNode n : named) {
                DatabaseName db = n.isTextual() ? DatabaseName.parse(n.asText()).orElse(null) : null;
                if (db == null || !db.platform().equals(platform)) {
                    throw ApiException.badRequest("databases must name databases of platform " + platform + ", got " + n);
                }
                if (!existing.contains(db)) throw ApiException.notFound("database_not_found", "Database " + db + " does not exist", platform, db.tenantId());
                if (!targets.contains(db)) targets.add(db);
            }
        } else {
            for (var db : d.registry.databases(platform)) {
                if (schemaName.equals(db.schemaName())) targets.add(DatabaseName.parse(db.name()).orElseThrow());
            }
        }
        targets.sort((a, b) -> a.isMain() ? -1 : b.isMain() ? 1 : a.text().compareTo(b.text()));
        return targets;
    }

    private Endpoint.Reply answer(String platform, String schemaName, byte[] archive, Bundle bundle, FanOutResult result,
                                  boolean dryRun, RetryTargets retry, StoredSchema mains) throws Exception {
        Map<String, Object> leading = new LinkedHashMap<>();
        leading.put("platform", platform);
        leading.put("schema_name", schemaName);
        List<DatabaseResult> results = result.databases();
        boolean mainTook = !results.isEmpty() && DatabaseName.parse(results.getFirst().database()).map(DatabaseName::isMain).orElse(false)
                && Deployments.ok(results.getFirst());
        StoredSchema version = null;
        if (!dryRun && mainTook) {
            version = d.registry.storeSchema(platform, schemaName, archive, bundle.checksum());
        } else if (!dryRun && mains != null) {
            version = mains; // tenants retried alone took the version main has
        }
        if (version != null) {
            for (DatabaseResult r : results) {
                if (!Deployments.ok(r)) continue;
                DatabaseName db = DatabaseName.parse(r.database()).orElseThrow();
                d.registry.recordDatabase(db.text(), platform, db.tenantId(), schemaName, version.version());
            }
            leading.put("schema_version", version.version());
            leading.put("checksum", version.checksum());
        }
        retried(leading, retry, result);
        Map<String, Object> report = Deployments.report(leading, result);
        if (result.blocked() > 0 || result.failed() > 0) throw Deployments.rejected(platform, null, result.databases(), report);
        return Endpoint.Reply.json(200, report);
    }

    /** A retry's report names the deployment it retried, and says so when there was nothing left to do. */
    private static void retried(Map<String, Object> leading, RetryTargets retry, FanOutResult result) {
        if (retry == null) return;
        leading.put("retry_of", retry.deploymentId());
        if (result.databases().isEmpty()) leading.put("message", retry.nothingToRetry());
    }

    /**
     * The platform's stored {@code default} schema — the one its main database has — when {@code bundle} is it; else 400:
     * a v1 retry without main must not give the tenants a bundle main does not have.
     */
    private StoredSchema mainsSchema(String platform, Bundle bundle, String deploymentId) throws java.sql.SQLException {
        Optional<StoredSchema> stored = d.registry.latestSchema(platform, Deployments.DEFAULT_SCHEMA);
        String checksum = bundle.checksum();
        if (stored.isPresent() && stored.get().checksum().equals(checksum)) return stored.get();
        throw ApiException.badRequest("retrying deployment " + deploymentId + " deploys to tenants only (main is not among the"
                + " databases it left behind), so it must be the bundle main has — the platform's stored schema"
                + stored.map(s -> " version " + s.version() + " (checksum " + s.checksum() + ")").orElse("") + " — but this upload"
                + " differs (checksum " + checksum + "); send that bundle, or POST /migrate without retry_deployment to deploy a new one");
    }

    /** v1 (seed 000 §4.2): creates {platform}_{tenant_id}, deploys the platform's stored schema or clones a template. */
    Endpoint.Reply createTenant(Request request) throws Exception {
        d.keys.requireAdmin(request);
        ObjectNode body = request.json();
        String tenantId = Names.text(body, "tenant_id");
        if (tenantId == null) throw ApiException.badRequest("tenant_id is required");
        DatabaseName db = Names.database(Names.text(body, "platform"), tenantId);
        String templateName = Names.text(body, "template");
        DatabaseName template = null;
        if (templateName != null) {
            template = DatabaseName.parse(templateName).orElseThrow(() -> new ApiException(400, "invalid_name",
                    "template must be a platform database name such as medstoreapp_template, got '" + Names.printable(templateName) + "'"));
            requireSamePlatform(db, template);
        }
        return create(db, template, Deployments.DEFAULT_SCHEMA, false);
    }

    /**
     * A clone carries the template's data, functions and owner into the new tenant; another platform's database would
     * hand one platform's data to another. Checked before the template's pools are closed or anything is created.
     */
    private static void requireSamePlatform(DatabaseName db, DatabaseName template) {
        if (template.platform().equals(db.platform())) return;
        throw new ApiException(400, "invalid_template", "template " + template + " belongs to platform " + template.platform()
                + ", not " + db.platform() + "; a tenant of " + db.platform() + " can only be cloned from a " + db.platform()
                + " database such as " + db.platform() + "_template", db.platform(), db.tenantId(), Map.of());
    }

    /** v2: creates a main ({@code tenant_id} null) or tenant database from a stored schema. */
    Endpoint.Reply createDatabase(Request request) throws Exception {
        d.keys.requireAdmin(request);
        ObjectNode body = request.json();
        DatabaseName db = Names.database(Names.text(body, "platform"), Names.text(body, "tenant_id"));
        String schemaName = Names.schemaName(Names.text(body, "schema_name"));
        return create(db, null, schemaName, true);
    }

    private Endpoint.Reply create(DatabaseName db, DatabaseName template, String schemaName, boolean schemaRequired) throws Exception {
        String platform = db.platform();
        d.requirePlatform(platform);
        if (template != null && !d.backend.exists(template.text())) {
            throw ApiException.notFound("template_not_found", "template database " + template + " does not exist", platform, db.tenantId());
        }
        Optional<StoredSchema> schema = template != null ? Optional.empty() : d.registry.latestSchema(platform, schemaName);
        if (schemaRequired && schema.isEmpty()) {
            throw ApiException.notFound("schema_not_found", "platform " + platform + " has no stored schema '" + schemaName
                    + "' (POST /platform/" + platform + "/schema)", platform, db.tenantId());
        }
        Bundle bundle = schema.map(s -> Deployments.bundle(s.bundle())).orElse(null);
        try (AutoCloseable lock = d.lock(platform)) {
            if (d.backend.exists(db.text())) {
                throw new ApiException(409, "database_exists", "Database " + db + " already exists", platform, db.tenantId(), Map.of());
            }
            if (template != null) {
                // CREATE DATABASE … TEMPLATE needs the template without sessions: close the gateway's own.
                d.proxy.pools().closeDatabase(template.text());
                d.connections.close(template.text());
            }
            boolean created;
            try {
                created = d.create(db, template);
            } catch (java.sql.SQLException e) {
                if (SqlState.OBJECT_IN_USE.equals(e.getSQLState())) {
                    throw new ApiException(409, "template_in_use", "template database " + template + " has open sessions; "
                            + "disconnect them and retry", platform, db.tenantId(), Map.of());
                }
                throw e;
            }
            if (!created) throw new ApiException(409, "database_exists", "Database " + db + " already exists", platform, db.tenantId(), Map.of());
            DatabaseResult result = null;
            if (bundle != null) {
                try {
                    DeployOptions options = d.options.withNewDatabase(mainCarries(db, schema.get()));
                    result = d.deploy(platform, bundle, db, options, "create", schemaName, schema.get().version());
                } catch (Exception e) {
                    d.drop(db);
                    throw e;
                }
                if (!Deployments.ok(result)) {
                    d.drop(db);
                    throw Deployments.rejected(platform, db.tenantId(), List.of(result), result);
                }
            }
            d.registry.recordDatabase(db.text(), platform, db.tenantId(), schema.map(StoredSchema::schemaName).orElse(null),
                    schema.map(StoredSchema::version).orElse(null));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("database", db.text());
            body.put("created", true);
            body.put("platform", platform);
            body.put("tenant_id", db.tenantId());
            if (template != null) body.put("template", template.text());
            schema.ifPresent(s -> {
                body.put("schema_name", s.schemaName());
                body.put("schema_version", s.version());
            });
            if (result != null) body.put("deployment", result);
            return Endpoint.Reply.json(201, body);
        }
    }

    /**
     * Whether {@code db} is a tenant whose main database carries the schema version it is created with: then the
     * version's migrations have all run on main, and one that fails on the new tenant was written for an older shape
     * than tables/ gives it (DeployOptions.newDatabase). A main, or a version main never took, is deployed strictly.
     */
    private boolean mainCarries(DatabaseName db, StoredSchema schema) throws java.sql.SQLException {
        if (db.isMain()) return false;
        String main = DatabaseName.main(db.platform()).text();
        return d.registry.databases(db.platform()).stream().anyMatch(x -> x.name().equals(main)
                && schema.schemaName().equals(x.schemaName()) && Integer.valueOf(schema.version()).equals(x.schemaVersion()));
    }

    private StoredSchema storedSchema(String platform, String schemaName) throws java.sql.SQLException {
        return d.registry.latestSchema(platform, schemaName).orElseThrow(() -> ApiException.notFound("schema_not_found",
                "platform " + platform + " has no stored schema '" + schemaName + "'", platform, null));
    }
}
